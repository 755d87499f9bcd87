from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from booking import staff_services
from booking.models import Location
from booking.staff_forms import StaffCreateForm
from booking.staff_services import StaffRole


class Command(BaseCommand):
    help = (
        "Add a staff member: an active staff user (never a superuser) in the Front desk or\n"
        "Clinic manager group, working on the given offices. Prints a one-time password to\n"
        "give them in person; then set up their authenticator with staff_enrol_totp."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--first-name", required=True)
        parser.add_argument("--last-name", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=StaffRole.values)
        parser.add_argument(
            "--office",
            action="append",
            default=[],
            dest="offices",
            metavar="SLUG",
            help="An office they work on (repeat for more); front desk needs at least one.",
        )

    def handle(self, *args, username, first_name, last_name, email, role, offices, **options):
        form = StaffCreateForm(
            data={
                "username": username,
                "first_name": first_name,
                "last_name": last_name,
                "email": email,
                "role": role,
                "locations": offices,
            }
        )
        if not form.is_valid():
            raise CommandError(self._errors(form))
        user, password = staff_services.staff_create(**form.cleaned_data)
        self.stdout.write(
            f"Added {username} ({StaffRole(role).label}).\n"
            f"  One-time password: {password}\n"
            "Give it to them in person; after their first login they choose their own under\n"
            f"“Change password”. Next: uv run manage.py staff_enrol_totp {username}\n"
            f"(or, logged in as a manager: {reverse('admin:staff_authenticator', args=[user.pk])})"
        )

    @staticmethod
    def _errors(form: StaffCreateForm) -> str:
        lines = []
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            lines += [f"{label}: {error}" if label else error for error in errors]
        if "locations" in form.errors:
            slugs = ", ".join(Location.objects.order_by("slug").values_list("slug", flat=True))
            lines.append(f"The offices are: {slugs}.")
        return "\n".join(lines)

import io

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from booking import staff_services

# Wrong codes are worth another go (a code typed as it changed), not forever.
CODE_TRIES = 3


class Command(BaseCommand):
    help = (
        "Set up a staff user's authenticator app for two-factor login: shows a QR code (and\n"
        "the key to type in), then asks for the first code the app shows. The app logs them\n"
        "in only once that code was right. --replace removes the user's earlier phone first."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--replace", action="store_true", help="Lost or new phone: the old one stops working."
        )
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for the first code; confirm it on the admin page instead.",
        )

    def handle(self, *args, username: str, replace: bool, interactive: bool, **options) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(username=username, is_staff=True)
        except User.DoesNotExist:
            raise CommandError(f"No staff user called {username!r}.") from None
        if staff_services.totp_confirmed_device(user) and not replace:
            raise CommandError(f"{username} already has an authenticator; use --replace.")
        device = staff_services.totp_device_start(user=user, revoke_confirmed=replace)

        # segno writes the code piece by piece; self.stdout would end each piece with a newline.
        qr = io.StringIO()
        staff_services.totp_qr_code(device).terminal(out=qr, compact=True)
        self.stdout.write(
            f"Authenticator for {username}: scan this QR code with the app on their phone.\n"
            "Show it only to that person, in person.\n"
        )
        self.stdout.write(qr.getvalue())
        self.stdout.write(
            "Cannot scan it? Choose to enter a setup key, type this key, choose time based:\n"
            f"  {staff_services.totp_secret(device)}\n"
        )

        confirm_page = reverse("admin:staff_authenticator", args=[user.pk])
        if interactive:
            for _ in range(CODE_TRIES):
                try:
                    code = "".join(input("The code the app shows now: ").split())
                except EOFError:
                    break
                if staff_services.totp_device_confirm(device=device, token=code):
                    self.stdout.write(self.style.SUCCESS(f"Set up: {username} can log in now."))
                    return
                self.stderr.write("That code did not work; type the one the app shows now.")
        self.stdout.write(
            f"Not confirmed yet: the app logs {username} in only after its first code is\n"
            f"typed on the admin page {confirm_page} (a clinic manager's login, with\n"
            "them there), or run this command again."
        )

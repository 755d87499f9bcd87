import datetime
import os
import secrets
import subprocess
import sys
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

DEV_USERNAME = "dev-staff"


class Command(BaseCommand):
    help = (
        "Set up a local development site (SQLite, migrations, staff login) and serve it,\n"
        "with the email task worker alongside."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options) -> None:
        if not settings.DEBUG or settings.DATABASES["default"]["ENGINE"] != (
            "django.db.backends.sqlite3"
        ):
            raise CommandError("`dev` only runs with DJANGO_DEBUG=1 on the local SQLite database.")
        # runserver's autoreloader runs this command again in a child process
        # (RUN_MAIN=true); set up only once, in the parent.
        if os.environ.get("RUN_MAIN") != "true":
            call_command("compilemessages", verbosity=0)  # the Spanish site
            call_command("migrate", interactive=False, verbosity=0)
            password = self.reset_dev_login()
            self.add_demo_availability()
            self.add_demo_requests()
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nDevelopment staff login for http://{addrport}/{settings.ADMIN_URL}\n"
                    f"  username: {DEV_USERNAME}\n  password: {password}\n"
                )
            )
        worker = None
        if os.environ.get("RUN_MAIN") != "true":
            # Emails are sent by the task worker, as in production.
            worker = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--interval", "1"])
        try:
            call_command("runserver", addrport)
        finally:
            if worker:
                worker.terminate()
                worker.wait(timeout=10)

    def reset_dev_login(self) -> str:
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(username=DEV_USERNAME)
        user.is_staff = True
        user.is_superuser = True
        user.set_password(password)
        user.save()
        return password

    def add_demo_availability(self) -> None:
        """Online booking at Milford, so the time picker shows on first run."""
        from booking import services
        from booking.models import Availability, Location

        if Availability.objects.exists():
            return
        services.availability_set(
            location=Location.objects.get(slug="milford"),
            windows=[
                (day, datetime.time(hour_from), datetime.time(hour_to))
                for day in range(5)
                for hour_from, hour_to in ((9, 12), (13, 17))
            ],
            is_active=True,
            in_person_minutes=60,
            phone_minutes=30,
            video_minutes=30,
            buffer_minutes=15,
            seats=1,
            notice_days=1,
            horizon_days=21,
        )
        self.stdout.write("Milford takes online bookings (demo times: weekdays 9–12 and 1–5).")

    def add_demo_requests(self) -> None:
        """A few invented requests for the triage console, on an empty database."""
        from booking import services
        from booking.models import Booking, Location

        if Booking.objects.exists():
            return
        people = [
            ("Avery", "Demo", "milford", True, "two_or_more", "en"),
            ("Blake", "Sample", "milford", False, "one", "en"),
            ("Casey", "Example", "westport", False, "two_or_more", "es"),
            ("Drew", "Placeholder", "westport", True, "not_sure", "en"),
            ("Emerson", "Fictional", "milford", False, "two_or_more", "es"),
        ]
        created = []
        for number, (first, last, slug, urgent, tried, language) in enumerate(people):
            booking, _new = services.booking_create(
                submission_key=uuid.uuid4(),
                location=Location.objects.get(slug=slug),
                meeting="in_person",
                first_name=first,
                last_name=last,
                date_of_birth=datetime.date(1980 + number, 1, 15),
                email=f"{first.lower()}@example.com",
                phone=f"+1203555010{number}",
                contact_method="phone",
                voicemail_ok=True,
                email_ok=True,
                diagnosed="yes",
                antidepressants=tried,
                seeing_clinician=True,
                message="",
                urgent=urgent,
                consent_contact=True,
                consent_privacy=True,
                language=language,
            )
            created.append(booking)
        # Some work in progress, so the console, its timeline and the agenda
        # show something: a voicemail, a patient reached and booked.
        staff = get_user_model().objects.get(username=DEV_USERNAME)
        services.contact_attempt_log(
            booking=created[1], by=staff, channel="phone", outcome="voicemail"
        )
        booked = created[4]
        services.contact_attempt_log(booking=booked, by=staff, channel="phone", outcome="reached")
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        services.booking_schedule(
            booking=booked,
            by=staff,
            starts_at=timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(10))),
            meeting="in_person",
        )
        # And one patient who picked their own time online.
        from booking.availability import open_days

        days = open_days(created[0].location, "phone")
        if days:
            services.appointment_book(
                booking=created[0], starts_at=days[0].times[0].starts_at, meeting="phone"
            )
        self.stdout.write(f"Added {len(people)} invented consultation requests for the admin.")

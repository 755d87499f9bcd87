from django.conf import settings
from django.core.management.base import BaseCommand

from booking import services


class Command(BaseCommand):
    help = (
        "Anonymise requests closed more than BOOKING_RETENTION_DAYS days ago, keeping the\n"
        "reference, dates, location and outcome. Dry run unless --apply is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Really anonymise.")

    def handle(self, *args, apply: bool, **options) -> None:
        due = list(services.bookings_due_for_anonymising())
        days = settings.BOOKING_RETENTION_DAYS
        if not apply:
            self.stdout.write(
                f"Dry run: {len(due)} request(s) closed more than {days} days ago would be "
                "anonymised. Run with --apply to do it."
            )
            for booking in due:
                self.stdout.write(f"  {booking.reference} closed {booking.closed_at:%Y-%m-%d}")
            return
        for booking in due:
            services.booking_anonymise(booking=booking)
        self.stdout.write(f"Anonymised {len(due)} request(s) closed more than {days} days ago.")

import datetime

from django.core.management.base import BaseCommand

from booking import services


class Command(BaseCommand):
    help = (
        "Queue again the emails still waiting long after they were due (after a worker "
        "crash, for example). Safe to run often, e.g. every 10 minutes from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=15, help="How late counts as stalled.")

    def handle(self, *args, minutes: int, **options) -> None:
        count = services.notifications_requeue_stalled(
            older_than=datetime.timedelta(minutes=minutes)
        )
        self.stdout.write(f"Queued {count} stalled notification(s) again.")

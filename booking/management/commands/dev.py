import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

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
            call_command("migrate", interactive=False, verbosity=0)
            password = self.reset_dev_login()
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

"""Drill: the email worker is killed in the middle of sending.

A real `manage.py db_worker` process (production settings) claims the
front-desk notice and is stuck talking to a mail server that never
answers; it is killed with SIGKILL. The task stays marked as running
forever. The cron job `requeue_stalled_notifications` queues the email
again and a new worker sends it, once.
"""

import datetime
import subprocess
import sys

from aiosmtpd.controller import Controller
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from booking.models import Location, Notification
from tests.factories import make_booking
from tests.faults import HangingMailServer, RecordingHandler, free_port
from tests.production_server import BASE_DIR, manage

CLAIM_SECONDS = 30


def mail_env(site_env, url: str, port: int) -> dict[str, str]:
    return site_env(
        url,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(port),
        DJANGO_EMAIL_USE_TLS="0",
        DJANGO_EMAIL_TIMEOUT="60",
    )


def test_an_email_claimed_by_a_killed_worker_still_goes_out_once(test_database, site_env, tmp_path):
    *_, url = test_database
    Location.objects.filter(slug="milford").update(notification_email="milford@clinic.test")
    booking = make_booking(email_ok=False)  # one email: the front desk's notice
    wedged = HangingMailServer()
    wedged.listener.settimeout(CLAIM_SECONDS)
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"],
            cwd=BASE_DIR,
            env=mail_env(site_env, url, wedged.port),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        # The worker has claimed the task once it connects to the mail server.
        connection, _ = wedged.listener.accept()
        worker.kill()
        worker.wait()
    finally:
        worker.kill()
        wedged.stop()
    connection.close()

    stuck = DBTaskResult.objects.get()
    assert stuck.status == "RUNNING"
    assert booking.notifications.get().state == Notification.State.QUEUED

    handler = RecordingHandler()
    mail_server = Controller(handler, hostname="127.0.0.1", port=free_port())
    mail_server.start()
    try:
        env = mail_env(site_env, url, mail_server.port)
        # Fifteen minutes pass; cron runs the requeue job, and a new worker starts.
        Notification.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=20))
        manage(env, "requeue_stalled_notifications", "--minutes", "15")
        worker_batch = [
            "db_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0",
        ]
        manage(env, *worker_batch)
        manage(env, "requeue_stalled_notifications", "--minutes", "15")  # cron again
        manage(env, *worker_batch)
    finally:
        mail_server.stop()

    assert [envelope.rcpt_tos for envelope in handler.messages] == [["milford@clinic.test"]]
    assert booking.notifications.get().state == Notification.State.SENT

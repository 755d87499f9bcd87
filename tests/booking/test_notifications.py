"""Emails go out through the real task queue and worker, never inside a request."""

import datetime
import io

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from booking import services
from booking.models import Booking, Location, Notification
from tests.factories import make_booking, valid_booking_data
from tests.faults import (
    HangingMailServer,
    RecordingHandler,
    RefusingMailServer,
    free_port,
    smtp_mailers,
)

# The worker manages its own transactions, like in production.
pytestmark = pytest.mark.django_db(transaction=True)

PRIVATE_VALUES = [
    "Jordan",
    "Rivera",
    "jordan@example.com",
    "1985",
    "03/27",
    "Private health details",
    "depress",
    "antidepressant",
    "clinician",
    "2035550123",
    "555 0123",
]


def run_worker() -> None:
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)


@pytest.fixture
def front_desk(clinic_locations):
    Location.objects.filter(slug="milford").update(notification_email="milford@clinic.test")


def submit(client) -> Booking:
    response = client.post(reverse("booking:create"), valid_booking_data())
    assert response.status_code == 302
    return Booking.objects.get()


def assert_no_private_data(message) -> None:
    # The recipient's address is in the To header, and nowhere else.
    headers = [line for line in str(message.message()).splitlines() if not line.startswith("To: ")]
    text = "\n".join([message.subject, message.body, *headers])
    for value in PRIVATE_VALUES:
        assert value not in text, value


def test_request_queues_emails_and_sends_nothing_until_the_worker_runs(client, front_desk):
    booking = submit(client)

    assert mail.outbox == []
    assert DBTaskResult.objects.count() == 2
    assert set(booking.notifications.values_list("state", flat=True)) == {"queued"}

    run_worker()

    assert len(mail.outbox) == 2
    assert set(booking.notifications.values_list("state", flat=True)) == {"sent"}


def test_patient_email_confirms_receipt_without_any_health_or_personal_detail(client, front_desk):
    booking = submit(client)
    run_worker()

    (message,) = [m for m in mail.outbox if m.to == ["jordan@example.com"]]
    assert message.subject == f"We received your consultation request ({booking.reference})"
    assert booking.reference in message.body
    assert "232 Boston Post Rd, Suite 13" in message.body
    assert "Milford, CT 06460" in message.body
    assert "988" in message.body and "911" in message.body
    assert_no_private_data(message)


def test_front_desk_email_names_reference_and_office_and_links_to_the_admin(client, front_desk):
    booking = submit(client)
    run_worker()

    (message,) = [m for m in mail.outbox if m.to == ["milford@clinic.test"]]
    assert message.subject == f"New consultation request {booking.reference} for Milford"
    assert f"/admin/booking/booking/{booking.pk}/change/" in message.body
    assert_no_private_data(message)


def test_urgent_request_is_marked_urgent_for_the_front_desk(front_desk):
    booking = make_booking(urgent=True)
    run_worker()

    (message,) = [m for m in mail.outbox if m.to == ["milford@clinic.test"]]
    assert message.subject.startswith(f"URGENT: New consultation request {booking.reference}")


def test_front_desk_notice_uses_the_fallback_address_or_is_marked_skipped(settings):
    settings.FRONT_DESK_FALLBACK_EMAIL = ""
    skipped = make_booking(email_ok=False)
    run_worker()
    assert skipped.notifications.get().state == Notification.State.SKIPPED

    settings.FRONT_DESK_FALLBACK_EMAIL = "desk@clinic.test"
    sent = make_booking(email_ok=False)
    run_worker()
    assert sent.notifications.get().state == Notification.State.SENT
    assert mail.outbox[-1].to == ["desk@clinic.test"]


@pytest.mark.parametrize(
    "outage", [RefusingMailServer, HangingMailServer], ids=["refuses", "hangs"]
)
def test_mail_server_outage_loses_nothing_and_every_email_goes_out_once_it_is_back(
    client, front_desk, settings, outage
):
    down = outage()
    # Short: each attempt at a hanging server gives up after half a second.
    settings.MAILERS = smtp_mailers(down.port, timeout=0.5)
    try:
        response = client.post(reverse("booking:create"), valid_booking_data())
        assert response.status_code == 302
        assert client.get(response.url).status_code == 200
        booking = Booking.objects.get()
        run_worker()
    finally:
        down.stop()

    assert booking.notifications.count() == 2
    for notification in booking.notifications.all():
        assert notification.state == Notification.State.QUEUED
        assert notification.attempts == 1
        assert notification.last_error == outage.error
        assert notification.next_attempt_at > timezone.now()
    retries = DBTaskResult.objects.ready()
    assert retries.count() == 0  # each retry waits for its back-off

    settings.MAILERS = smtp_mailers(down.port)  # the working server gets the usual timeout
    handler = RecordingHandler()
    server = Controller(handler, hostname="127.0.0.1", port=down.port)
    server.start()
    try:
        # The back-off time passes.
        DBTaskResult.objects.filter(run_after__isnull=False).update(run_after=timezone.now())
        run_worker()
        run_worker()
    finally:
        server.stop()

    assert sorted(env.rcpt_tos[0] for env in handler.messages) == [
        "jordan@example.com",
        "milford@clinic.test",
    ]
    for notification in booking.notifications.all():
        assert notification.state == Notification.State.SENT
        assert notification.attempts == 2


def test_a_notification_is_sent_once_even_if_its_task_runs_twice(front_desk):
    booking = make_booking(email_ok=False)
    notification = booking.notifications.get()

    services.notification_deliver(notification_id=notification.pk)
    services.notification_deliver(notification_id=notification.pk)

    assert len(mail.outbox) == 1


def test_delivery_gives_up_after_the_last_attempt(front_desk, settings, monkeypatch):
    settings.MAILERS = smtp_mailers(free_port())
    monkeypatch.setattr(services, "MAX_ATTEMPTS", 2)
    booking = make_booking(email_ok=False)
    notification = booking.notifications.get()

    services.notification_deliver(notification_id=notification.pk)
    services.notification_deliver(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.state == Notification.State.FAILED
    assert notification.attempts == 2
    assert notification.next_attempt_at is None


def test_emails_stuck_behind_a_killed_worker_go_out_after_requeueing(front_desk):
    booking = make_booking(email_ok=False)
    # A worker claimed the task and was killed before it finished.
    (stuck,) = DBTaskResult.objects.all()
    stuck.claim("killed-worker")
    run_worker()
    assert mail.outbox == []

    Notification.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=20))
    call_command("requeue_stalled_notifications", minutes=15, stdout=io.StringIO())
    run_worker()

    assert len(mail.outbox) == 1
    assert booking.notifications.get().state == Notification.State.SENT


def test_requeueing_leaves_fresh_and_finished_notifications_alone(front_desk):
    make_booking(email_ok=False)
    run_worker()
    make_booking(email_ok=False)
    tasks_before = DBTaskResult.objects.count()

    out = io.StringIO()
    call_command("requeue_stalled_notifications", minutes=15, stdout=out)

    assert "Queued 0 stalled" in out.getvalue()
    assert DBTaskResult.objects.count() == tasks_before

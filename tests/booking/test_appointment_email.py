"""The appointment confirmation goes out through the real worker, privately."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from booking import services
from booking.models import Location
from tests.booking.test_notifications import PRIVATE_VALUES, run_worker
from tests.factories import make_booking, make_staff

pytestmark = pytest.mark.django_db(transaction=True)


def schedule(booking, by, when, meeting="in_person"):
    return services.booking_change_status(
        booking=booking, to_status="scheduled", by=by, scheduled_for=when, meeting=meeting
    )


def test_rescheduled_appointment_sends_one_updated_calendar_event_without_health_details():
    desk = make_staff()
    Location.objects.filter(slug="milford").update(phone="(203) 555-0100")
    booking = make_booking(message="Private health details")
    run_worker()
    mail.outbox.clear()
    booking = services.booking_mark_contacted(booking=booking, by=desk)
    first = (timezone.now() + datetime.timedelta(days=2)).replace(microsecond=0)
    schedule(booking, desk, first)
    run_worker()
    second = first + datetime.timedelta(days=1)
    schedule(booking, desk, second)
    run_worker()

    assert [m.to for m in mail.outbox] == [["jordan@example.com"]] * 2
    events = [Calendar.from_ical(m.attachments[0][1]).walk("VEVENT")[0] for m in mail.outbox]
    assert [e["DTSTART"].dt for e in events] == [first, second]
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1]
    assert events[0]["UID"] == events[1]["UID"]
    assert str(events[1]["SUMMARY"]) == "Appointment — Milford office"
    assert "232 Boston Post Rd" in str(events[1]["LOCATION"])
    message = mail.outbox[1]
    assert "Ketamine" not in message.attachments[0][1]
    assert message.subject.endswith(f"({booking.reference})")
    assert "call (203) 555-0100" in message.body
    for value in PRIVATE_VALUES:
        assert value not in message.subject + message.body + message.attachments[0][1], value

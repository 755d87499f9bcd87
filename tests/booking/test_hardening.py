"""The public form against a hostile visitor: a front-desk email that says
nothing about anyone's health."""

import pytest
from django.core import mail

from booking import services
from booking.models import Booking, Location, Notification
from tests.factories import make_booking

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locations(clinic_locations):
    return clinic_locations


# --- The front desk's email carries a priority, never health details ---------------------


@pytest.fixture
def front_desk_inbox():
    Location.objects.filter(slug="milford").update(notification_email="milford@clinic.test")

    def deliver(booking: Booking):
        notification = booking.notifications.get(kind=Notification.Kind.FRONT_DESK_NEW)
        services.notification_deliver(notification_id=notification.pk)
        (message,) = [m for m in mail.outbox if m.to == ["milford@clinic.test"]]
        return message

    return deliver


HEALTH_WORDS = [
    "safety",
    "harm",
    "ending",
    "life",
    "suicid",
    "depress",
    "antidepressant",
    "diagnos",
    "clinician",
    "feeling low",
    "1985",
    "Jordan",
]


def test_an_urgent_request_is_marked_call_first_without_saying_why(front_desk_inbox):
    booking = make_booking(urgent=True, message="I have been feeling low for months.")

    message = front_desk_inbox(booking)

    assert "Priority: call first — urgent" in message.body
    assert f"/admin/booking/booking/{booking.pk}/change/" in message.body
    text = f"{message.subject}\n{message.body}".lower()
    for word in HEALTH_WORDS:
        assert word.lower() not in text, word


def test_a_routine_request_gets_a_calm_priority(front_desk_inbox):
    booking = make_booking(urgent=False)

    message = front_desk_inbox(booking)

    assert "Priority: routine — contact in the usual order" in message.body
    assert "urgent" not in f"{message.subject}\n{message.body}".lower()

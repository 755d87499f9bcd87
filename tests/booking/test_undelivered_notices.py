"""A front-desk notice nobody received stays in front of staff until someone acknowledges it."""

import logging

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from booking import services
from booking.models import Booking, Location, Notification
from tests.factories import make_booking, make_staff
from tests.faults import free_port, smtp_mailers

pytestmark = pytest.mark.django_db

INDEX = "admin:index"
CHANGELIST = "admin:booking_booking_changelist"
ACKNOWLEDGE = "admin:notices_acknowledge"
PRIVATE_VALUES = ["Jordan", "Rivera", "jordan@example.com", "2035550123", "Private health"]


@pytest.fixture(autouse=True)
def no_fallback_address(settings):
    settings.FRONT_DESK_FALLBACK_EMAIL = ""


def front_desk_notice(booking: Booking) -> Notification:
    return booking.notifications.get(kind=Notification.Kind.FRONT_DESK_NEW)


def skipped(**fields) -> Notification:
    """A request whose front-desk notice had no address to go to."""
    booking = make_booking(message="Private health details", **fields)
    notice = services.notification_deliver(notification_id=front_desk_notice(booking).pk)
    assert notice.state == Notification.State.SKIPPED
    return notice


def failed_for_good(settings, monkeypatch, **fields) -> Notification:
    """A request whose front-desk notice the mail server refused until delivery gave up."""
    Location.objects.filter(slug="milford").update(notification_email="milford@clinic.test")
    settings.MAILERS = smtp_mailers(free_port())
    monkeypatch.setattr(services, "MAX_ATTEMPTS", 2)
    booking = make_booking(email_ok=False, message="Private health details", **fields)
    notice = front_desk_notice(booking)
    services.notification_deliver(notification_id=notice.pk)
    notice = services.notification_deliver(notification_id=notice.pk)
    assert notice.state == Notification.State.FAILED
    return notice


def page(client, name: str = INDEX) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def acknowledge(client, choice, *, shown=(), next_url: str = ""):
    data = {"acknowledge": str(choice), "shown": [str(pk) for pk in shown]}
    if next_url:
        data["next"] = next_url
    return client.post(reverse(ACKNOWLEDGE), data)


# --- Logging ------------------------------------------------------------------------


def test_an_urgent_request_whose_notice_had_no_address_is_logged_at_error_without_patient_data(
    clinic_locations, caplog
):
    with caplog.at_level(logging.INFO, logger="booking"):
        calm = skipped()
        urgent = skipped(urgent=True)

    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    (record,) = errors
    message = record.getMessage()
    assert urgent.booking.reference in message
    assert "milford" in message
    assert "no front-desk email address" in message
    assert calm.booking.reference not in message
    for value in PRIVATE_VALUES:
        assert value not in caplog.text


def test_an_urgent_request_whose_notice_failed_for_good_is_logged_at_error(
    clinic_locations, settings, monkeypatch, caplog
):
    with caplog.at_level(logging.INFO, logger="booking"):
        notice = failed_for_good(settings, monkeypatch, urgent=True)

    (record,) = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert notice.booking.reference in record.getMessage()
    assert "sending failed 2 times" in record.getMessage()
    for value in PRIVATE_VALUES:
        assert value not in caplog.text


# --- What staff see -----------------------------------------------------------------


def test_the_front_desk_sees_a_notice_with_no_address_on_the_index_and_the_request_list(
    desk_client,
):
    notice = skipped(urgent=True)
    booking = notice.booking
    milford = booking.location

    for name in [INDEX, CHANGELIST]:
        html = page(desk_client, name)
        assert "1 new request the front desk was not told about" in html, name
        assert f'href="{reverse("admin:booking_booking_change", args=[booking.pk])}"' in html
        assert booking.reference in html
        assert "Milford has no front-desk email" in html
        assert "call the patient now" in html
        assert "ask a clinic manager to set the office's front-desk email under " in html
        assert "Admin → Bookings → Locations → Milford → Contact" in html
        assert f'name="shown" value="{notice.pk}"' in html
        # Named, not linked: the front desk cannot change the office.
        assert reverse("admin:booking_location_change", args=[milford.pk]) not in html


def test_managers_get_a_link_to_set_the_office_front_desk_email(manager_client):
    notice = skipped()
    office = notice.booking.location

    html = page(manager_client)

    assert notice.booking.reference in html
    url = reverse("admin:booking_location_change", args=[office.pk])
    assert f'<a href="{url}">Admin → Bookings → Locations → Milford → Contact</a>' in html


def test_a_notice_that_failed_for_good_says_how_many_tries(manager_client, settings, monkeypatch):
    notice = failed_for_good(settings, monkeypatch)

    html = page(manager_client)

    assert notice.booking.reference in html
    assert "failed after 2 tries (ConnectionRefusedError)" in html
    assert "check the email settings" in html


def test_only_the_front_desk_of_that_office_sees_the_notice(desk_client):
    notice = skipped()
    westport_desk = make_staff(username="westdesk", locations=("westport",))
    westport_client = Client()
    westport_client.force_login(westport_desk)

    assert notice.booking.reference in page(desk_client)
    assert notice.booking.reference not in page(westport_client)
    assert "was not told about" not in page(westport_client, CHANGELIST)


def test_delivered_and_patient_notices_are_not_shown(manager_client):
    Location.objects.filter(slug="milford").update(notification_email="milford@clinic.test")
    delivered = make_booking()
    for notice in delivered.notifications.all():
        services.notification_deliver(notification_id=notice.pk)
    queued = make_booking()
    shown = skipped(location=Location.objects.get(slug="westport"))

    html = page(manager_client)

    assert delivered.reference not in html
    assert queued.reference not in html
    assert "1 new request the front desk was not told about" in html
    assert shown.booking.reference in html


# --- Acknowledging ------------------------------------------------------------------


def test_acknowledging_a_notice_records_who_and_when_and_it_leaves_the_pages(desk_client, desk):
    notice = skipped()
    other = skipped()

    response = acknowledge(desk_client, notice.pk, next_url=reverse(CHANGELIST))

    assert response.status_code == 302
    assert response.url == reverse(CHANGELIST)
    notice.refresh_from_db()
    assert notice.acknowledged_by == desk
    assert notice.acknowledged_at is not None
    html = page(desk_client, CHANGELIST)
    assert f"Acknowledged the notice for {notice.booking.reference}." in html
    assert f'name="shown" value="{notice.pk}"' not in html
    assert other.booking.reference in html


def test_acknowledge_all_shown_clears_the_list(manager_client, manager):
    notices = [skipped(), skipped(urgent=True)]

    response = acknowledge(manager_client, "all", shown=[notice.pk for notice in notices])

    assert response.status_code == 302
    assert response.url == reverse(INDEX)
    assert Notification.objects.filter(acknowledged_by=manager).count() == 2
    assert "was not told about" not in page(manager_client)


def test_acknowledging_needs_a_post(desk_client):
    notice = skipped()

    assert desk_client.get(reverse(ACKNOWLEDGE), {"acknowledge": notice.pk}).status_code == 405
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


def test_another_office_front_desk_cannot_acknowledge_the_notice(clinic_locations):
    notice = skipped()
    westport_desk = make_staff(username="westdesk", locations=("westport",))
    client = Client()
    client.force_login(westport_desk)

    assert acknowledge(client, notice.pk).status_code == 404
    assert acknowledge(client, "all", shown=[notice.pk]).status_code == 404
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


def test_acknowledging_does_not_redirect_off_site(desk_client):
    notice = skipped()

    response = acknowledge(desk_client, notice.pk, next_url="https://evil.example/")

    assert response.url == reverse(INDEX)


def test_the_service_keeps_the_first_acknowledgement_and_refuses_delivered_notices(
    clinic_locations, desk, manager
):
    notice = skipped()
    first = services.notification_acknowledge(notification=notice, by=desk)
    again = services.notification_acknowledge(notification=notice, by=manager)

    assert again.acknowledged_by == desk
    assert again.acknowledged_at == first.acknowledged_at

    Location.objects.filter(slug="milford").update(notification_email="milford@clinic.test")
    sent = front_desk_notice(make_booking())
    sent = services.notification_deliver(notification_id=sent.pk)
    with pytest.raises(ValidationError):
        services.notification_acknowledge(notification=sent, by=desk)
    sent.refresh_from_db()
    assert sent.acknowledged_at is None

"""Once staff enter an office's phone, hours, email and response promise, every page that says
"contact us" shows how; until then the wording changes instead of pointing at nothing."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from booking import services
from booking.models import Location, Notification
from tests.factories import valid_booking_data

pytestmark = pytest.mark.django_db

WEEKDAYS_9_TO_5 = [(day, datetime.time(9), datetime.time(17)) for day in range(5)]
HOURS = "Mon–Fri: 9:00 AM – 5:00 PM"


@pytest.fixture
def milford(clinic_locations):
    return Location.objects.get(slug="milford")


@pytest.fixture
def details_entered(milford):
    milford.phone = "(203) 555-0142"
    milford.response_promise = "within one business day"
    services.location_save(location=milford)
    services.opening_hours_set(location=milford, weekly=WEEKDAYS_9_TO_5)
    return milford


def send_request(client: Client, **answers):
    response = client.post(reverse("booking:create"), valid_booking_data(**answers), follow=True)
    assert response.status_code == 200
    return response.content.decode()


def deliver_patient_emails() -> None:
    # What the worker does for each queued email (the worker itself manages
    # its own connections, which a test inside a transaction cannot share).
    for notification in Notification.objects.filter(kind="patient_received"):
        services.notification_deliver(notification_id=notification.pk)


def test_the_confirmation_says_when_and_how_to_reach_the_office(client, details_entered):
    html = send_request(client)

    assert "We aim to contact you within one business day, during opening hours" in html
    assert HOURS in html
    assert 'href="tel:+12035550142">(203) 555-0142</a>' in html
    assert "call the Milford office on" in html


def test_without_details_the_confirmation_promises_nothing_it_cannot_keep(client, milford):
    html = send_request(client)

    assert "Our front desk will contact you during office hours." in html
    assert "Please keep your reference" in html
    assert "tel:+1" not in html


def test_an_urgent_confirmation_says_it_was_marked_urgent_and_shows_the_crisis_lines(client):
    html = send_request(client, urgent="yes")

    assert "We have marked your request urgent" in html
    assert 'href="tel:988"' in html and 'href="tel:911"' in html


def test_the_patient_email_gives_the_phone_hours_and_promise_but_no_health_details(
    client, details_entered, settings
):
    send_request(client, urgent="yes")
    deliver_patient_emails()

    (email,) = [m for m in mail.outbox if m.to == ["jordan@example.com"]]
    assert "Phone: (203) 555-0142" in email.body
    assert HOURS in email.body
    assert "We aim to contact you within one business day" in email.body
    for private in ["urgent", "ending your life", "Private health details", "1985"]:
        assert private not in email.body.split("This email address is not monitored")[0]


def test_the_rate_limit_page_shows_how_to_call_once_a_phone_is_set(client, settings, milford):
    settings.BOOKING_REQUESTS_PER_HOUR = 0
    html = client.post(reverse("booking:create"), valid_booking_data()).content.decode()
    assert "call or email one of our offices" not in html

    milford.phone = "(203) 555-0142"
    services.location_save(location=milford)
    html = client.post(reverse("booking:create"), valid_booking_data()).content.decode()

    assert "call or email one of our offices" in html
    assert 'href="tel:+12035550142"' in html


def test_the_privacy_page_says_how_to_ask_about_your_information(
    client, milford, django_capture_on_commit_callbacks
):
    html = client.get(reverse("pages:privacy")).content.decode()
    assert "write to one of our offices at the address below" in html
    assert "232 Boston Post Rd" in html

    milford.public_email = "milford@example.org"
    with django_capture_on_commit_callbacks(execute=True):
        services.location_save(location=milford)

    html = Client().get(reverse("pages:privacy")).content.decode()
    assert "call or email one of our offices" in html
    assert 'href="mailto:milford@example.org"' in html


def test_every_page_footer_carries_the_phone_and_hours(client, details_entered):
    html = client.get(reverse("pages:home")).content.decode()
    footer = html[html.index('class="site-footer"') :]

    assert 'href="tel:+12035550142"' in footer
    assert HOURS in footer


def test_the_opening_hours_read_as_days_and_times():
    from booking.models import OpeningHours, hours_lines

    weekly = [OpeningHours(weekday=day, opens=o, closes=c) for day, o, c in WEEKDAYS_9_TO_5]
    weekly.append(OpeningHours(weekday=5, opens=datetime.time(9), closes=datetime.time(12, 30)))

    assert hours_lines(weekly) == [HOURS, "Sat: 9:00 AM – 12:30 PM", "Sun: closed"]
    assert hours_lines([]) == []


def test_the_contact_promise_names_only_the_open_days(details_entered):
    assert details_entered.when_we_contact == (
        "We aim to contact you within one business day, during opening hours "
        "(Mon–Fri: 9:00 AM – 5:00 PM)."
    )

"""The public form against a hostile visitor: session fixation, replayed and
stolen form tokens, invisible characters in names, values PostgreSQL refuses,
and a front-desk email that says nothing about anyone's health."""

import re
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.test import Client
from django.urls import reverse

from booking import services
from booking.models import Booking, Location, Notification
from tests.factories import form_token, make_booking, valid_booking_data

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("booking:create")
DONE_URL = reverse("booking:done")
SESSION_COOKIE = django_settings.SESSION_COOKIE_NAME


@pytest.fixture(autouse=True)
def _locations(clinic_locations, settings):
    # Tokens taken from a page just loaded are sent at once here.
    settings.BOOKING_MIN_FILL_SECONDS = 0
    return clinic_locations


def page_token(html: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', html).group(1)


def load_form(client: Client) -> str:
    """Open the form as a browser does; returns the form token in the page."""
    return page_token(client.get(CREATE_URL).content.decode())


@pytest.fixture
def later(monkeypatch):
    """Move the clock on by some seconds, for everything that reads time.time()."""
    real_time = time.time
    offset = 0.0

    def move_on(seconds: float) -> None:
        nonlocal offset
        offset += seconds

    monkeypatch.setattr(time, "time", lambda: real_time() + offset)
    return move_on


# --- The confirmation belongs to the browser that sent the request, for a while ---------


def test_a_session_key_planted_before_sending_cannot_read_the_confirmation(client):
    planted = SessionStore()
    planted.create()
    client.cookies[SESSION_COOKIE] = planted.session_key

    assert client.post(CREATE_URL, valid_booking_data()).url == DONE_URL

    assert client.cookies[SESSION_COOKIE].value != planted.session_key
    assert Booking.objects.get().reference in client.get(DONE_URL).content.decode()
    attacker = Client()
    attacker.cookies[SESSION_COOKIE] = planted.session_key
    response = attacker.get(DONE_URL)
    assert response.status_code == 302
    assert response.url == CREATE_URL


def test_the_confirmation_is_shown_for_30_minutes_then_no_longer(client, later, settings):
    settings.BOOKING_CONFIRMATION_SECONDS = 30 * 60
    client.post(CREATE_URL, valid_booking_data())
    reference = Booking.objects.get().reference

    later(29 * 60)
    assert reference in client.get(DONE_URL).content.decode()

    later(2 * 60)
    response = client.get(DONE_URL)
    assert response.status_code == 302
    assert response.url == CREATE_URL


# --- Form tokens belong to one browser and expire ----------------------------------------


def test_a_form_token_from_another_browser_is_refused_and_the_answers_are_kept(client):
    stolen = load_form(Client())
    load_form(client)

    response = client.post(CREATE_URL, valid_booking_data(form_token=stolen, first_name="Sam"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "This form could not be checked" in html
    assert 'value="Sam"' in html
    assert page_token(html) != stolen
    assert Booking.objects.count() == 0
    # The page came back with a token of this browser's own: sending again works.
    again = client.post(CREATE_URL, valid_booking_data(form_token=page_token(html)))
    assert again.url == DONE_URL
    assert Booking.objects.count() == 1


def test_a_form_open_for_more_than_four_hours_is_sent_again_with_the_answers_kept(client):
    old_token = form_token(seconds_ago=4 * 60 * 60 + 60)

    response = client.post(CREATE_URL, valid_booking_data(form_token=old_token, first_name="Sam"))

    html = response.content.decode()
    assert "This form was open for a long time" in html
    assert 'value="Sam"' in html
    assert Booking.objects.count() == 0
    again = client.post(CREATE_URL, valid_booking_data(form_token=page_token(html)))
    assert again.url == DONE_URL


def test_a_token_replayed_with_other_answers_reveals_nothing_of_the_first_request(client):
    # A token that names no session (as tokens made before this release do),
    # so only the answers can tell the replay from a resubmission.
    token = form_token()
    client.post(
        CREATE_URL,
        valid_booking_data(form_token=token, location="westport", urgent="yes", email_ok="no"),
    )
    first = Booking.objects.get()
    replayer = Client()

    response = replayer.post(
        CREATE_URL, valid_booking_data(form_token=token, first_name="Mallory", email_ok="no")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert first.reference not in html
    assert "This form has been sent already" in html
    assert 'value="Mallory"' in html
    assert replayer.get(DONE_URL).status_code == 302
    assert Booking.objects.count() == 1
    # Sent again with the fresh token the page carries, it is a request of its own.
    again = replayer.post(
        CREATE_URL,
        valid_booking_data(form_token=page_token(html), first_name="Mallory", email_ok="no"),
    )
    assert again.url == DONE_URL
    assert Booking.objects.count() == 2
    assert first.reference not in replayer.get(DONE_URL).content.decode()


# --- Names are one line of visible characters ------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "\u202eJordan"),  # RIGHT-TO-LEFT OVERRIDE
        ("first_name", "Jor\u200bdan"),  # ZERO WIDTH SPACE
        ("first_name", "\ufeffJordan"),  # ZERO WIDTH NO-BREAK SPACE
        ("first_name", "Jor\u00addan"),  # SOFT HYPHEN
        ("first_name", "Jordan\u2066x\u2069"),  # isolates
        ("first_name", "Jordan\nRivera"),
        ("first_name", "Jordan\u2028Rivera"),  # LINE SEPARATOR
        ("last_name", "Rivera\r\nSmith"),
        ("last_name", "Ri\u200dvera\u200d"),  # a joiner not between two letters
    ],
)
def test_names_with_line_breaks_or_invisible_characters_are_refused_and_kept(client, field, value):
    response = client.post(CREATE_URL, valid_booking_data(**{field: value}))

    html = response.content.decode()
    label = "first" if field == "first_name" else "last"
    assert f"Type your {label} name again: it has a hidden character or line break" in html
    assert f'value="{value}"' in html
    assert Booking.objects.count() == 0


# --- Values PostgreSQL refuses never reach it ------------------------------------------


def test_a_nul_in_the_office_link_shows_the_form(client, postgres_refuses_nul):
    response = client.get(CREATE_URL, {"location": "\x00milford"})

    assert response.status_code == 200
    assert "Request a consultation" in response.content.decode()


def test_a_nul_in_the_chosen_office_is_an_answer_to_correct(client, postgres_refuses_nul):
    response = client.post(CREATE_URL, valid_booking_data(location="mil\x00ford"))

    assert response.status_code == 200
    assert "Choose one of the offices listed" in response.content.decode()
    assert Booking.objects.count() == 0


def test_a_session_cookie_with_nul_characters_is_ignored(client, postgres_refuses_nul):
    client.cookies[SESSION_COOKIE] = "\x00" * 32

    assert client.get(CREATE_URL).status_code == 200
    assert client.post(CREATE_URL, valid_booking_data()).url == DONE_URL


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

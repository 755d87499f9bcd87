import re
from html import unescape
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import Booking, Notification
from tests.factories import form_token, valid_booking_data

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("booking:create")
DONE_URL = reverse("booking:done")
FORM_ENCODED = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def _locations(clinic_locations):
    return clinic_locations


def test_form_preselects_the_location_from_the_link(client):
    html = client.get(CREATE_URL, {"location": "westport"}).content.decode()

    assert re.search(r'value="westport"[^>]*checked', html)
    assert not re.search(r'value="milford"[^>]*checked', html)


def test_form_page_is_never_cached(client):
    response = client.get(CREATE_URL)

    assert "no-store" in response.headers["Cache-Control"]


def test_form_fields_have_autocomplete_hints(client):
    html = client.get(CREATE_URL).content.decode()

    for hint in ("given-name", "family-name", "bday", "email", "tel"):
        assert f'autocomplete="{hint}"' in html


def test_valid_request_is_stored_and_redirects_to_confirmation(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CREATE_URL, valid_booking_data())

    assert response.status_code == 302
    assert response.url == DONE_URL
    booking = Booking.objects.get()
    assert booking.location.slug == "milford"
    assert booking.status == Booking.Status.NEW
    assert booking.urgent is False
    assert booking.time_weekday_mornings and booking.time_saturday
    assert not booking.time_weekday_evenings
    assert str(booking.phone) == "+12035550123"
    assert booking.reference.startswith("KC-") and len(booking.reference) == 9
    kinds = set(booking.notifications.values_list("kind", flat=True))
    assert kinds == {Notification.Kind.FRONT_DESK_NEW, Notification.Kind.PATIENT_RECEIVED}


def test_confirmation_shows_reference_and_location_but_no_personal_data(client):
    client.post(CREATE_URL, valid_booking_data())
    booking = Booking.objects.get()

    response = client.get(DONE_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert booking.reference in html
    assert "232 Boston Post Rd" in html
    assert 'href="tel:988"' in html
    for private in ("Jordan", "Rivera", "jordan@example.com", "1985", "Private health"):
        assert private not in html
    assert "no-store" in response.headers["Cache-Control"]


def test_confirmation_is_only_shown_to_the_browser_that_sent_the_request(client, django_user_model):
    from django.test import Client

    client.post(CREATE_URL, valid_booking_data())
    stranger = Client()

    response = stranger.get(DONE_URL)

    assert response.status_code == 302
    assert response.url == CREATE_URL


def test_urgent_request_is_flagged_and_confirmation_shows_crisis_help(client):
    client.post(CREATE_URL, valid_booking_data(urgent="yes"))

    assert Booking.objects.get().urgent is True
    html = client.get(DONE_URL).content.decode()
    assert "If you need help right now" in html


def test_same_form_sent_twice_creates_one_request(client):
    data = valid_booking_data()

    first = client.post(CREATE_URL, data)
    second = client.post(CREATE_URL, data)

    assert first.url == second.url == DONE_URL
    assert Booking.objects.count() == 1
    assert Notification.objects.count() == 2


def test_same_answers_sent_again_from_a_reloaded_form_make_one_request(client):
    client.post(CREATE_URL, valid_booking_data())

    # Going back reloads the form, which brings a fresh submission key.
    response = client.post(CREATE_URL, valid_booking_data())

    assert response.url == DONE_URL
    assert Booking.objects.count() == 1


def hidden_fields(html: str) -> list[tuple[str, str]]:
    """The name and value of every hidden input in the page's form, as a browser posts them."""
    return [
        (unescape(name), unescape(value))
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html.split("<form")[1]
        )
    ]


def post_fields(client, fields: list[tuple[str, str]]):
    return client.post(CREATE_URL, urlencode(fields), content_type=FORM_ENCODED)


def test_changed_answers_from_the_same_browser_first_ask_whether_to_send_a_second_request(
    client,
):
    client.post(CREATE_URL, valid_booking_data())
    first = Booking.objects.get()

    response = client.post(CREATE_URL, valid_booking_data(location="westport"))

    html = response.content.decode()
    assert response.status_code == 200
    assert Booking.objects.count() == 1
    sent_on = timezone.localtime(first.created_at)
    assert (
        f'You already sent request <strong class="reference">{first.reference}</strong> on '
        f"{sent_on:%A}, {sent_on:%B} {sent_on.day} at" in html
    )
    assert "<title>Send a second request?" in html
    assert "Yes, send a second request" in html
    fields = dict(hidden_fields(html))
    assert fields["location"] == "westport"
    assert fields["first_name"] == "Jordan"
    assert fields["message"] == "Private health details that must never be emailed."


def test_sending_anyway_stores_the_second_request_with_every_answer(client):
    client.post(CREATE_URL, valid_booking_data())
    changed = valid_booking_data(location="westport", message="Line one\nLine two", urgent="yes")
    step = client.post(CREATE_URL, changed).content.decode()

    response = post_fields(client, hidden_fields(step))

    assert response.url == DONE_URL
    second = Booking.objects.exclude(pk=Booking.objects.order_by("pk").first().pk).get()
    assert second.location.slug == "westport"
    assert second.message == "Line one\nLine two"
    assert second.urgent is True
    assert second.time_weekday_mornings and second.time_saturday
    assert second.reference in client.get(DONE_URL).content.decode()
    # Sending the step twice (a double click) still makes one second request.
    assert post_fields(client, hidden_fields(step)).url == DONE_URL
    assert Booking.objects.count() == 2


def test_a_second_request_with_thoughts_of_self_harm_is_encouraged_with_crisis_help(client):
    client.post(CREATE_URL, valid_booking_data())

    html = client.post(CREATE_URL, valid_booking_data(urgent="yes")).content.decode()

    assert "Please send this request, so that we mark it urgent and call you first." in html
    assert "you do not need to send again" not in html
    assert 'href="tel:988"' in html and 'href="sms:988"' in html
    assert "If you need help right now" in html


def test_keeping_only_the_first_request_leads_back_to_it(client):
    client.post(CREATE_URL, valid_booking_data())
    first = Booking.objects.get()
    html = client.post(CREATE_URL, valid_booking_data(location="westport")).content.decode()

    assert f'href="{DONE_URL}">No, keep only {first.reference}</a>' in html
    assert first.reference in client.get(DONE_URL).content.decode()
    assert Booking.objects.count() == 1


def test_no_patient_email_is_queued_when_they_did_not_allow_email(client):
    client.post(CREATE_URL, valid_booking_data(email_ok="no"))

    kinds = list(Booking.objects.get().notifications.values_list("kind", flat=True))
    assert kinds == [Notification.Kind.FRONT_DESK_NEW]


def test_invalid_form_keeps_everything_typed_and_lists_errors_in_a_summary(client):
    data = valid_booking_data(first_name="", email="not-an-email", message="Keep me")

    response = client.post(CREATE_URL, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert Booking.objects.count() == 0
    assert "There is a problem" in html
    assert '<a href="#id_first_name">Enter your first name</a>' in html
    assert '<a href="#id_email">Enter an email address like name@example.com</a>' in html
    # The same wording appears next to the field.
    assert html.count("Enter your first name") == 2
    assert 'value="Rivera"' in html
    assert "Keep me</textarea>" in html
    assert "<title>Error:" in html


def test_radio_question_errors_link_to_the_first_option(client):
    html = client.post(CREATE_URL, valid_booking_data(meeting=None)).content.decode()

    assert '<a href="#id_meeting_0">Choose how you would like to have your consultation</a>' in html


def test_under_18_gets_a_kind_explanation_not_a_bare_error(client):
    response = client.post(CREATE_URL, valid_booking_data(date_of_birth="2015-01-01"))

    html = response.content.decode()
    assert Booking.objects.count() == 0
    assert "You must be 18 or older to request a consultation with us" in html
    assert "We can only see adults" in html
    assert "school counselor" in html


@pytest.mark.parametrize(
    ("date_of_birth", "message"),
    [
        ("2999-01-01", "Date of birth must be in the past"),
        ("1850-01-01", "Enter a real date of birth"),
        ("1985-02-30", "1985-02-30 is not a real date"),
        ("yesterday", "Enter your date of birth as month/day/year"),
    ],
)
def test_impossible_dates_of_birth_are_explained(client, date_of_birth, message):
    html = client.post(CREATE_URL, valid_booking_data(date_of_birth=date_of_birth)).content.decode()

    assert message in html
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("typed", ["02/30/1990", "2/29/1991", "13/01/1990", "04-31-1990"])
def test_a_typed_date_that_does_not_exist_is_called_not_a_real_date(client, typed):
    html = client.post(CREATE_URL, valid_booking_data(date_of_birth=typed)).content.decode()

    assert f'<a href="#id_date_of_birth">{typed} is not a real date.' in html
    assert f'value="{typed}"' in html
    assert Booking.objects.count() == 0


def test_date_of_birth_is_typed_as_text_so_an_impossible_date_reaches_us(client):
    html = client.get(CREATE_URL).content.decode()

    field = re.search(r"<input[^>]*name=\"date_of_birth\"[^>]*>", html).group(0)
    assert 'type="text"' in field
    assert 'autocomplete="bday"' in field


def test_the_message_box_shows_its_length_limit_and_is_described_by_it(client):
    html = client.get(CREATE_URL).content.decode()

    box = re.search(r"<textarea[^>]*>", html).group(0)
    described_by = re.search(r'aria-describedby="([^"]+)"', box).group(1).split()
    hints = {
        id_: re.sub(r"\s+", " ", text).strip()
        for id_, text in re.findall(r'<(?:p|div) id="([^"]+)" class="form-text[^"]*">(.*?)</', html)
    }
    assert "Up to 1,000 characters" in [hints.get(id_) for id_ in described_by]
    assert 'maxlength="1000"' in box


def test_us_style_date_of_birth_is_accepted(client):
    client.post(CREATE_URL, valid_booking_data(date_of_birth="03/27/1985"))

    assert Booking.objects.get().date_of_birth.isoformat() == "1985-03-27"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("location", "hartford"),
        ("meeting", "teleport"),
        ("contact_method", "pigeon"),
        ("diagnosed", "maybe"),
        ("antidepressants", "12"),
        ("urgent", "perhaps"),
        ("best_times", ["midnight"]),
        ("heard_about", "<script>"),
        ("phone", "12"),
        ("first_name", "x" * 101),
        ("message", "x" * 1001),
        ("first_name", "Jor\x00dan"),
        ("last_name", "Riv\x1bera"),
        ("message", "bad bytes \ufffd here"),
        ("consent_contact", None),
        ("consent_privacy", None),
    ],
)
def test_bad_or_tampered_values_get_a_message_and_store_nothing(client, field, value):
    response = client.post(CREATE_URL, valid_booking_data(**{field: value}))

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert Booking.objects.count() == 0


def test_inactive_location_cannot_be_chosen(client, clinic_locations):
    from booking.models import Location

    Location.objects.filter(slug="westport").update(is_active=False)

    response = client.post(CREATE_URL, valid_booking_data(location="westport"))

    assert "Choose one of the offices listed" in response.content.decode()
    assert Booking.objects.count() == 0


def test_asking_for_email_contact_requires_permission_to_email(client):
    html = client.post(
        CREATE_URL, valid_booking_data(contact_method="email", email_ok="no")
    ).content.decode()

    assert "You asked us to contact you by email" in html
    assert Booking.objects.count() == 0


def test_non_utf8_body_gets_an_error_message_not_a_crash(client):
    data = valid_booking_data()
    body = "&".join(f"{k}={v}" for k, v in data.items() if not isinstance(v, list)).replace(
        "Jordan", "%FF%FEJordan"
    )

    response = client.post(CREATE_URL, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert Booking.objects.count() == 0


def test_filled_honeypot_stores_nothing_and_keeps_the_input(client):
    response = client.post(CREATE_URL, valid_booking_data(website="http://spam.example"))

    html = response.content.decode()
    assert Booking.objects.count() == 0
    assert "Please leave the last field empty" in html
    assert 'value="Jordan"' in html


def test_form_sent_too_quickly_is_refused_with_a_message(client, settings):
    settings.BOOKING_MIN_FILL_SECONDS = 4

    response = client.post(CREATE_URL, valid_booking_data(form_token=form_token(seconds_ago=1)))

    assert "That was very quick" in response.content.decode()
    assert Booking.objects.count() == 0


def test_forged_form_token_is_refused_and_replaced(client):
    response = client.post(CREATE_URL, valid_booking_data(form_token="forged"))

    html = response.content.decode()
    assert "This form could not be checked" in html
    assert 'name="form_token" value="forged"' not in html
    assert Booking.objects.count() == 0


def test_missing_csrf_token_is_refused_with_a_friendly_page():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(CREATE_URL, valid_booking_data())

    assert response.status_code == 403
    assert "Your form could not be sent" in response.content.decode()
    assert Booking.objects.count() == 0


def test_sixth_request_in_an_hour_from_one_address_gets_429_with_contact_details(settings):
    from django.test import Client

    settings.BOOKING_REQUESTS_PER_HOUR = 5
    # Five people behind one address (an office, a family), each on their own browser.
    for number in range(5):
        data = valid_booking_data(first_name=f"Person {number}")
        assert Client().post(CREATE_URL, data).status_code == 302

    response = Client().post(CREATE_URL, valid_booking_data(first_name="Person 6"))

    assert response.status_code == 429
    assert "Please contact us directly" in response.content.decode()
    assert "232 Boston Post Rd" in response.content.decode()
    assert Booking.objects.count() == 5


def test_rate_limit_counts_each_client_address_separately(client, settings):
    from django.test import Client

    settings.BOOKING_REQUESTS_PER_HOUR = 1
    assert client.post(CREATE_URL, valid_booking_data()).status_code == 302

    other = Client().post(
        CREATE_URL, valid_booking_data(first_name="Sam"), REMOTE_ADDR="203.0.113.9"
    )

    assert other.status_code == 302
    assert Booking.objects.count() == 2


def test_flood_of_invalid_posts_is_limited_too(client, settings):
    settings.BOOKING_POSTS_PER_HOUR = 3
    for _ in range(3):
        assert client.post(CREATE_URL, {}).status_code == 200

    assert client.post(CREATE_URL, {}).status_code == 429


def test_a_submission_costs_a_fixed_small_number_of_queries(
    client, clinic_locations, django_assert_max_num_queries
):
    client.get(reverse("booking:create"))

    # Location, duplicate check, insert with history and notifications,
    # two queued emails, the session moved to a new key, and whether the
    # office takes online bookings: no query per form rule.
    with django_assert_max_num_queries(22):
        response = client.post(reverse("booking:create"), valid_booking_data())

    assert response.status_code == 302

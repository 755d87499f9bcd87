"""Staff login protection: lockout, two-factor, idle sessions, logout."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import (
    STAFF_PASSWORD,
    authenticator_code,
    make_authenticator,
    make_staff,
)
from tests.test_deploy import PRODUCTION_ENV, run_manage

pytestmark = pytest.mark.django_db

LOGIN = "admin:login"


@pytest.fixture
def desk(clinic_locations):
    return make_staff()


def log_in(client, password=STAFF_PASSWORD, **extra):
    return client.post(
        reverse(LOGIN),
        {"username": "frontdesk", "password": password, "next": reverse("admin:index"), **extra},
    )


def test_five_failed_logins_lock_the_account_out_for_30_minutes(client, desk):
    for _ in range(4):
        assert log_in(client, password="wrong").status_code == 200

    assert log_in(client, password="wrong").status_code == 429
    locked = log_in(client)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session

    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=31))
    assert log_in(client).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_correct_login_before_the_limit_resets_the_count(client, desk):
    for _ in range(4):
        log_in(client, password="wrong")
    assert log_in(client).status_code == 302
    client.post(reverse("admin:logout"))

    for _ in range(4):
        assert log_in(client, password="wrong").status_code == 200


def test_production_settings_require_two_factor_and_short_staff_sessions():
    script = (
        "from django.conf import settings; "
        "print(settings.STAFF_REQUIRE_2FA, settings.STAFF_SESSION_IDLE_SECONDS, "
        "settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME)"
    )
    result = run_manage("shell", "-c", script, env=PRODUCTION_ENV)

    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.split() == ["True", "1800", "5", "0:30:00"], result.stderr


def test_with_two_factor_on_a_password_alone_is_not_enough(client, desk, settings):
    settings.STAFF_REQUIRE_2FA = True
    client.force_login(desk)

    assert client.get(reverse("admin:index")).status_code == 302
    response = log_in(client)
    assert response.status_code == 200
    assert response.context["form"].errors


def test_with_two_factor_on_password_and_authenticator_code_get_in(client, desk, settings):
    settings.STAFF_REQUIRE_2FA = True
    device = make_authenticator(desk)

    response = log_in(client, otp_token=authenticator_code(device))

    assert response.status_code == 302, response.context["form"].errors
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_session_expires_after_30_idle_minutes(client, desk):
    client.force_login(desk)

    client.get(reverse("admin:index"))

    assert client.session.get_expiry_age() == 1800
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = session.expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < remaining <= datetime.timedelta(minutes=30)


def test_public_pages_do_not_touch_sessions(client):
    response = client.get(reverse("pages:home"))

    assert "sessionid" not in response.cookies


def test_logging_out_ends_the_session(client, desk):
    client.force_login(desk)
    key = client.session.session_key

    client.post(reverse("admin:logout"))

    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("admin:index")).status_code == 302


def test_two_factor_login_page_asks_for_the_code_and_has_no_inline_script_or_style(
    client, settings
):
    settings.STAFF_REQUIRE_2FA = True

    response = client.get(reverse(LOGIN))

    html = response.content.decode()
    assert 'name="otp_token"' in html
    assert " style=" not in html and "<script>" not in html
    assert "no-store" in response.headers["Cache-Control"]


# --- One message whatever failed; every failure counts toward the lockout ---------------

LOGIN_FAILED = (
    "The user name, password or authenticator code is not right. "
    "After 5 failed tries the account is locked for 30 minutes."
)


@pytest.fixture
def two_factor(settings, desk):
    settings.STAFF_REQUIRE_2FA = True
    return make_authenticator(desk)


def errors_of(response) -> list[str]:
    return response.context["form"].non_field_errors()


def test_login_page_asks_for_the_authenticator_code_with_a_number_pad(client, settings):
    settings.STAFF_REQUIRE_2FA = True

    html = client.get(reverse(LOGIN)).content.decode()

    assert '<label for="id_otp_token">Authenticator code:</label>' in html
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
    assert "OTP" not in html


def test_a_wrong_code_and_a_wrong_password_get_the_same_message(client, two_factor):
    wrong_password = log_in(client, password="wrong", otp_token=authenticator_code(two_factor))
    wrong_code = log_in(client, otp_token="000000")
    no_code = log_in(client)

    assert errors_of(wrong_password) == errors_of(wrong_code) == errors_of(no_code)
    assert errors_of(wrong_code) == [LOGIN_FAILED]
    # django-otp would show the password again once it was right: a tell.
    for response in (wrong_password, wrong_code, no_code):
        assert STAFF_PASSWORD not in response.content.decode()
        assert 'name="otp_device"' not in response.content.decode()


def test_without_two_factor_the_message_names_only_user_name_and_password(client, desk):
    response = log_in(client, password="wrong")

    assert errors_of(response) == [
        "The user name or password is not right. "
        "After 5 failed tries the account is locked for 30 minutes."
    ]


def test_wrong_codes_count_toward_the_lockout_like_wrong_passwords(client, two_factor):
    for _ in range(3):
        assert log_in(client, otp_token="000000").status_code == 200
    assert log_in(client).status_code == 200  # no code at all
    assert log_in(client, password="wrong").status_code == 429
    assert AccessAttempt.objects.get().failures_since_start == 5

    locked = log_in(client, otp_token=authenticator_code(two_factor))
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_right_code_before_the_limit_resets_the_count(client, two_factor):
    for _ in range(4):
        log_in(client, otp_token="000000")
    # django-otp also refuses every code for a few seconds after wrong ones.
    TOTPDevice.objects.update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(minutes=1)
    )

    assert log_in(client, otp_token=authenticator_code(two_factor)).status_code == 302
    assert not AccessAttempt.objects.exists()


def test_an_authenticator_whose_first_code_was_never_typed_logs_nobody_in(client, desk, settings):
    settings.STAFF_REQUIRE_2FA = True
    pending = make_authenticator(desk, confirmed=False)

    response = log_in(
        client, otp_token=authenticator_code(pending), otp_device=pending.persistent_id
    )

    assert response.status_code == 200
    assert errors_of(response) == [LOGIN_FAILED]
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.parametrize("require_2fa", [True, False], ids=["two-factor", "password-only"])
def test_a_user_name_longer_than_255_characters_is_an_ordinary_failed_login(
    client, desk, settings, require_2fa
):
    # django-axes records failed user names in a 255-character column; PostgreSQL
    # refused a longer one and the page answered 500 (django-axes issue #1381).
    settings.STAFF_REQUIRE_2FA = require_2fa
    name = "x" * 300

    response = client.post(
        reverse(LOGIN), {"username": name, "password": "wrong", "otp_token": "123456"}
    )

    assert response.status_code == 200
    assert "is not right" in errors_of(response)[0]
    attempt = AccessAttempt.objects.get()
    assert attempt.username == name[:255]
    assert attempt.failures_since_start == 1

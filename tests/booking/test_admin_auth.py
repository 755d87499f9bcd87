"""Staff login protection: lockout, two-factor, idle sessions, logout."""

import datetime
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import STAFF_PASSWORD, make_staff
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
    out = StringIO()
    call_command("staff_enrol_totp", "frontdesk", stdout=out)
    assert "otpauth://totp/" in out.getvalue()
    device = TOTPDevice.objects.get(user=desk)

    response = log_in(client, otp_token=f"{totp(device.bin_key):06d}")

    assert response.status_code == 302, response.context["form"].errors
    assert client.get(reverse("admin:index")).status_code == 200


def test_enrolling_twice_needs_replace(desk):
    call_command("staff_enrol_totp", "frontdesk", stdout=StringIO())

    with pytest.raises(CommandError, match="--replace"):
        call_command("staff_enrol_totp", "frontdesk", stdout=StringIO())
    call_command("staff_enrol_totp", "frontdesk", "--replace", stdout=StringIO())
    assert TOTPDevice.objects.filter(user=desk).count() == 1


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

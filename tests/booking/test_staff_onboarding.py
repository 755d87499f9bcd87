"""Adding staff and setting up their authenticator: the commands, the admin pages."""

import re
import urllib.parse
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from booking.staff_views import NEW_PASSWORD_KEY
from tests.factories import (
    STAFF_PASSWORD,
    authenticator_code,
    make_authenticator,
    make_staff,
)

pytestmark = pytest.mark.django_db

ADD_PAGE = "admin:staff_add"


def add_staff(*args, **options) -> str:
    out = StringIO()
    call_command("add_staff", *args, stdout=out, **options)
    return out.getvalue()


def enrol(*args, **options) -> str:
    out = StringIO()
    call_command("staff_enrol_totp", *args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def authenticator_page(user) -> str:
    return reverse("admin:staff_authenticator", args=[user.pk])


def offices_of(user) -> set[str]:
    return set(user.staff_profile.locations.values_list("slug", flat=True))


DANA = ["dana", "--first-name", "Dana", "--last-name", "Desk", "--email", "dana@example.com"]


# --- manage.py add_staff ----------------------------------------------------------------


def test_add_staff_makes_a_front_desk_user_with_offices_and_a_one_time_password(
    clinic_locations,
):
    out = add_staff(*DANA, "--role", "front-desk", "--office", "milford", "--office", "westport")

    user = User.objects.get(username="dana")
    assert (user.is_active, user.is_staff, user.is_superuser) == (True, True, False)
    assert (user.first_name, user.last_name, user.email) == ("Dana", "Desk", "dana@example.com")
    assert list(user.groups.values_list("name", flat=True)) == ["Front desk"]
    assert offices_of(user) == {"milford", "westport"}
    assert not user.user_permissions.exists()
    password = re.search(r"One-time password: (\S+)", out)[1]
    assert user.check_password(password)
    assert "staff_enrol_totp dana" in out
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_add_staff_makes_a_manager_who_needs_no_office(clinic_locations):
    add_staff(*DANA, "--role", "manager")

    user = User.objects.get(username="dana")
    assert list(user.groups.values_list("name", flat=True)) == ["Clinic manager"]
    assert offices_of(user) == set()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--role", "front-desk", "--office", "mars"], "no office “mars”.*milford, westport"),
        (["--role", "front-desk"], "Front desk staff need at least one office"),
        (["--role", "boss", "--office", "milford"], "invalid choice: 'boss'"),
    ],
    ids=["unknown office", "front desk without office", "unknown role"],
)
def test_add_staff_refuses_bad_arguments_and_adds_nobody(clinic_locations, arguments, message):
    with pytest.raises(CommandError, match=re.compile(message, re.DOTALL)):
        add_staff(*DANA, *arguments)

    assert not User.objects.filter(username="dana").exists()


def test_add_staff_refuses_a_user_name_that_is_taken(clinic_locations):
    make_staff(username="dana")

    with pytest.raises(CommandError, match="A user with that username already exists"):
        add_staff(*DANA, "--role", "manager")

    assert User.objects.filter(username="dana").count() == 1


# --- manage.py staff_enrol_totp --------------------------------------------------------


def type_codes(monkeypatch, *codes):
    answers = iter(codes)
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))


def test_enrolment_shows_a_qr_code_and_is_confirmed_by_the_first_code(desk, monkeypatch):
    def first_code(prompt):
        return authenticator_code(TOTPDevice.objects.get(user=desk))

    monkeypatch.setattr("builtins.input", first_code)

    out = enrol("frontdesk")

    assert "▀" in out or "▄" in out  # segno's compact terminal QR code
    device = TOTPDevice.objects.get(user=desk)
    assert device.confirmed
    assert re.search(r"^  ([A-Z2-7]{4} ){7}[A-Z2-7]{4}$", out, re.MULTILINE)
    assert "can log in now" in out


def test_enrolment_stays_unconfirmed_after_wrong_codes(desk, monkeypatch):
    type_codes(monkeypatch, "000000", "000000", "000000")

    out = enrol("frontdesk")

    assert not TOTPDevice.objects.get(user=desk).confirmed
    assert authenticator_page(desk) in out


def test_enrolment_without_input_leaves_the_code_for_the_admin_page(desk):
    out = enrol("frontdesk", "--no-input")

    assert not TOTPDevice.objects.get(user=desk).confirmed
    assert f"typed on the admin page {authenticator_page(desk)}" in out


def test_enrolling_again_needs_replace_which_stops_the_old_phone_at_once(desk):
    old = make_authenticator(desk)

    with pytest.raises(CommandError, match="--replace"):
        enrol("frontdesk", "--no-input")
    enrol("frontdesk", "--replace", "--no-input")

    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert TOTPDevice.objects.filter(user=desk, confirmed=False).count() == 1


def test_enrolling_an_unknown_user_says_so(clinic_locations):
    with pytest.raises(CommandError, match="No staff user called 'nobody'"):
        enrol("nobody", "--no-input")


# --- Add a staff member (admin) ---------------------------------------------------------


def new_staff_data(**overrides) -> dict:
    data = {
        "username": "dana",
        "first_name": "Dana",
        "last_name": "Desk",
        "email": "dana@example.com",
        "role": "front-desk",
        "locations": ["milford"],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_index_links_managers_to_add_staff_and_everyone_to_their_authenticator(
    client, manager, desk
):
    client.force_login(manager)
    html = client.get(reverse("admin:index")).content.decode()
    assert reverse(ADD_PAGE) in html and authenticator_page(manager) in html

    client.force_login(desk)
    html = client.get(reverse("admin:index")).content.decode()
    assert reverse(ADD_PAGE) not in html and authenticator_page(desk) in html


def test_front_desk_cannot_add_staff(client, desk):
    client.force_login(desk)

    assert client.get(reverse(ADD_PAGE)).status_code == 403
    assert client.post(reverse(ADD_PAGE), new_staff_data(username="eve")).status_code == 403
    assert not User.objects.filter(username="eve").exists()


def test_add_staff_page_offers_roles_as_radio_buttons_and_offices_as_checkboxes(
    manager_client,
):
    html = manager_client.get(reverse(ADD_PAGE)).content.decode()

    assert html.count('type="radio" name="role"') == 2
    assert html.count('type="checkbox" name="locations"') == 2
    assert "<legend" in html  # the radio and checkbox groups have a name
    assert " style=" not in html and "<script>" not in html


def test_a_manager_adds_front_desk_staff_and_goes_on_to_their_authenticator(
    manager_client, manager
):
    response = manager_client.post(
        reverse(ADD_PAGE), new_staff_data(locations=["milford", "westport"])
    )

    dana = User.objects.get(username="dana")
    assert response.status_code == 302
    assert response.url == authenticator_page(dana)
    assert (dana.is_staff, dana.is_superuser, dana.get_full_name()) == (True, False, "Dana Desk")
    assert dana.groups.get() == Group.objects.get(name="Front desk")
    assert offices_of(dana) == {"milford", "westport"}
    assert TOTPDevice.objects.get(user=dana).confirmed is False
    entry = LogEntry.objects.get(object_id=str(dana.pk))
    assert (entry.user, entry.is_addition()) == (manager, True)

    page = manager_client.get(response.url)
    html = page.content.decode()
    password = manager_client.session[NEW_PASSWORD_KEY]["password"]
    assert dana.check_password(password)
    assert password in html
    assert 'src="data:image/svg+xml' in html and 'alt="QR code for the authenticator app"' in html
    assert page.context["secret"] in html
    assert " style=" not in html and "<script>" not in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"locations": None}, "locations", "Front desk staff need at least one office."),
        ({"username": "manager"}, "username", "A user with that username already exists."),
        ({"role": "boss"}, "role", "The role is front-desk or manager."),
        ({"email": ""}, "email", "This field is required."),
    ],
    ids=["front desk without office", "taken user name", "unknown role", "no email"],
)
def test_add_staff_page_explains_what_is_missing_and_adds_nobody(
    manager_client, overrides, field, message
):
    response = manager_client.post(reverse(ADD_PAGE), new_staff_data(**overrides))

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert not User.objects.filter(username="dana").exists()


def test_a_manager_added_without_offices_sees_every_office(manager_client):
    manager_client.post(reverse(ADD_PAGE), new_staff_data(role="manager", locations=None))

    dana = User.objects.get(username="dana")
    assert dana.groups.get().name == "Clinic manager"
    assert offices_of(dana) == set()


# --- Set up the authenticator (admin) ---------------------------------------------------


def added_by_manager(client) -> User:
    client.post(reverse(ADD_PAGE), new_staff_data())
    return User.objects.get(username="dana")


def test_a_wrong_first_code_leaves_the_authenticator_unconfirmed(manager_client):
    dana = added_by_manager(manager_client)

    response = manager_client.post(authenticator_page(dana), {"code": "000000"})

    assert response.status_code == 200
    assert "That code did not work" in response.context["form"].errors["code"][0]
    assert not TOTPDevice.objects.get(user=dana).confirmed
    # The one-time password is still there to read out.
    assert manager_client.session[NEW_PASSWORD_KEY]["password"] in response.content.decode()


def test_the_first_right_code_confirms_the_authenticator(manager_client):
    dana = added_by_manager(manager_client)
    device = TOTPDevice.objects.get(user=dana)

    code = authenticator_code(device)
    response = manager_client.post(authenticator_page(dana), {"code": f"{code[:3]} {code[3:]}"})

    assert response.status_code == 302
    assert response.url == reverse("admin:auth_user_change", args=[dana.pk])
    device.refresh_from_db()
    assert device.confirmed
    assert NEW_PASSWORD_KEY not in manager_client.session
    page = manager_client.get(authenticator_page(dana)).content.decode()
    assert "authenticator app has been set up since" in page


def test_the_page_for_someone_without_an_authenticator_shows_a_qr_code_on_request(
    manager_client, desk
):
    page = manager_client.get(authenticator_page(desk))
    assert "has no authenticator app yet" in page.content.decode()
    assert not TOTPDevice.objects.filter(user=desk).exists()

    manager_client.post(authenticator_page(desk), {"start": "Show the QR code"})

    assert "qr_code" in manager_client.get(authenticator_page(desk)).context
    assert not TOTPDevice.objects.get(user=desk).confirmed


def test_a_manager_setting_up_a_new_phone_stops_the_old_one_at_once(manager_client, desk):
    old = make_authenticator(desk)

    manager_client.post(authenticator_page(desk), {"start": "Set up a new phone"})

    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert TOTPDevice.objects.get(user=desk).confirmed is False


def test_someone_setting_up_their_own_new_phone_stays_logged_in(client, desk, settings):
    settings.STAFF_REQUIRE_2FA = True
    old = make_authenticator(desk)
    client.post(
        reverse("admin:login"),
        {"username": "frontdesk", "password": STAFF_PASSWORD, "otp_token": authenticator_code(old)},
    )

    client.post(authenticator_page(desk), {"start": "Set up a new phone"})
    assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()
    new = TOTPDevice.objects.get(user=desk, confirmed=False)
    response = client.post(authenticator_page(desk), {"code": authenticator_code(new)})

    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=desk)) == [new]
    assert client.get(reverse("admin:index")).status_code == 200


def test_front_desk_sets_up_only_their_own_authenticator(client, desk, clinic_locations):
    other = make_staff(username="other")
    client.force_login(desk)

    assert client.get(authenticator_page(desk)).status_code == 200
    assert client.get(authenticator_page(other)).status_code == 403
    assert client.post(authenticator_page(other), {"start": "x"}).status_code == 403
    assert not TOTPDevice.objects.filter(user=other).exists()


def test_a_manager_cannot_touch_a_superusers_authenticator(manager_client):
    boss = User.objects.create_superuser("boss", "boss@example.com", "x" * 20)
    device = make_authenticator(boss)

    assert manager_client.get(authenticator_page(boss)).status_code == 403
    assert manager_client.post(authenticator_page(boss), {"start": "x"}).status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()


# --- The user admin for managers ------------------------------------------------------


def user_page(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def test_managers_change_staff_without_the_superuser_box_or_permission_grid(manager_client, desk):
    Group.objects.create(name="Site administrators")

    page = manager_client.get(user_page(desk))

    html = page.content.decode()
    assert 'name="groups"' in html and 'name="staff_profile-0-locations"' in html
    assert 'name="is_superuser"' not in html and 'name="user_permissions"' not in html
    assert authenticator_page(desk) in html
    groups = page.context["adminform"].form.fields["groups"].queryset
    assert set(groups.values_list("name", flat=True)) == {"Front desk", "Clinic manager"}


def test_superusers_still_see_every_permission_field(client, desk):
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "x" * 20))

    html = client.get(user_page(desk)).content.decode()

    assert 'name="is_superuser"' in html and 'name="user_permissions"' in html


def test_a_manager_cannot_make_anyone_a_superuser(manager_client, desk):
    westport = desk.staff_profile.locations.model.objects.get(slug="westport")
    profile = desk.staff_profile
    data = {
        "username": "frontdesk",
        "first_name": "Dana",
        "last_name": "Desk",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [Group.objects.get(name="Clinic manager").pk],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
        "staff_profile-TOTAL_FORMS": "1",
        "staff_profile-INITIAL_FORMS": "1",
        "staff_profile-MIN_NUM_FORMS": "0",
        "staff_profile-MAX_NUM_FORMS": "1",
        "staff_profile-0-id": profile.pk,
        "staff_profile-0-user": desk.pk,
        "staff_profile-0-locations": [westport.pk],
    }

    response = manager_client.post(user_page(desk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    desk.refresh_from_db()
    assert not desk.is_superuser
    assert desk.groups.get().name == "Clinic manager"
    assert offices_of(desk) == {"westport"}


def test_a_manager_cannot_change_a_superuser_or_their_password(manager_client):
    boss = User.objects.create_superuser("boss", "boss@example.com", "x" * 20)

    page = manager_client.get(user_page(boss))
    password_page = reverse("admin:auth_user_password_change", args=[boss.pk])
    response = manager_client.post(
        password_page, {"password1": "a new one 12345", "password2": "a new one 12345"}
    )

    assert 'name="username"' not in page.content.decode()  # read only
    assert response.status_code == 403
    boss.refresh_from_db()
    assert boss.check_password("x" * 20)


def test_the_user_list_adds_staff_through_add_a_staff_member_only(manager_client):
    users = manager_client.get(reverse("admin:auth_user_changelist")).content.decode()

    assert reverse(ADD_PAGE) in users
    assert reverse("admin:auth_user_add") not in users
    assert manager_client.get(reverse("admin:auth_user_add")).status_code == 403


def test_front_desk_does_not_see_the_user_admin(client, desk):
    client.force_login(desk)

    assert client.get(user_page(desk)).status_code == 403


def test_the_qr_code_carries_the_otpauth_uri_of_the_pending_device(manager_client):
    dana = added_by_manager(manager_client)
    page = manager_client.get(authenticator_page(dana))

    svg = urllib.parse.unquote(page.context["qr_code"].split(",", 1)[1])
    assert svg.startswith("<svg") and "style" not in svg
    secret = page.context["secret"].replace(" ", "")
    assert f"secret={secret}" in TOTPDevice.objects.get(user=dana).config_url


def test_the_users_list_shows_who_has_set_up_their_authenticator(manager_client, desk):
    from django.urls import reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice

    make_staff(username="newcomer", locations=["milford"])
    TOTPDevice.objects.create(user=desk, name="Authenticator app", confirmed=True)

    response = manager_client.get(reverse("admin:auth_user_changelist"))

    rows = {user.username: user.has_authenticator for user in response.context["cl"].result_list}
    assert rows["frontdesk"] is True
    assert rows["newcomer"] is False

"""Staff accounts: adding a person, and setting up their authenticator app.

`manage.py add_staff` / `staff_enrol_totp` and the admin's staff pages both
go through these functions.
"""

from base64 import b32encode
from collections.abc import Iterable

import segno
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import models, transaction
from django.utils.crypto import get_random_string
from django_otp.plugins.otp_totp.models import TOTPDevice

from booking.models import Location, StaffProfile

User = get_user_model()

# Read out or copied from a screen: no look-alikes such as 0/O or 1/l.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class StaffRole(models.TextChoices):
    # Each label is the name of the group booking/migrations/0005_staff_groups.py made.
    FRONT_DESK = "front-desk", "Front desk"
    MANAGER = "manager", "Clinic manager"


def may_change_staff(actor: AbstractBaseUser, person: AbstractBaseUser) -> bool:
    """Managers change staff accounts; only a superuser changes a superuser's.

    Otherwise a manager could reset a superuser's password or authenticator
    and log in as them.
    """
    return actor.has_perm("auth.change_user") and (actor.is_superuser or not person.is_superuser)


def may_enrol(actor: AbstractBaseUser, person: AbstractBaseUser) -> bool:
    """Everyone sets up their own authenticator; managers also anyone else's."""
    return actor.pk == person.pk or may_change_staff(actor, person)


@transaction.atomic
def staff_create(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: StaffRole,
    locations: Iterable[Location],
    added_by: AbstractBaseUser | None = None,
) -> tuple[AbstractBaseUser, str]:
    """An active staff user (never a superuser) in the role's group, working on `locations`.

    Returns the user and a one-time password to give them in person: only its
    hash is stored, and they change it after their first login.
    """
    password = "-".join(get_random_string(4, PASSWORD_ALPHABET) for _ in range(4))
    user = User.objects.create_user(
        username=username,
        password=password,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=True,
    )
    user.groups.add(Group.objects.get(name=StaffRole(role).label))
    profile = StaffProfile.objects.create(user=user)
    profile.locations.set(locations)
    if added_by is not None:
        _log(added_by, user, ADDITION, f"Added as {StaffRole(role).label}.")
    return user, password


@transaction.atomic
def totp_device_start(
    *,
    user: AbstractBaseUser,
    revoke_confirmed: bool = False,
    started_by: AbstractBaseUser | None = None,
) -> TOTPDevice:
    """A new authenticator for `user`; it logs nobody in until its first code is confirmed.

    Earlier unconfirmed ones go. The confirmed one stays until the new phone
    is confirmed, so nobody is locked out halfway, unless `revoke_confirmed`:
    for a lost phone, whose codes must stop working at once.
    """
    devices = TOTPDevice.objects.filter(user=user)
    if not revoke_confirmed:
        devices = devices.filter(confirmed=False)
    revoked = devices.filter(confirmed=True).exists()
    devices.delete()
    if revoked and started_by is not None:
        _log(started_by, user, CHANGE, "Removed the authenticator (lost or new phone).")
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def totp_device_confirm(
    *, device: TOTPDevice, token: str, confirmed_by: AbstractBaseUser | None = None
) -> bool:
    """Confirm `device` with the first code from the app; it then replaces any other.

    False, and nothing changes, when the code is not right (django-otp also
    slows down repeated wrong codes).
    """
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    if confirmed_by is not None:
        _log(confirmed_by, device.user, CHANGE, "Set up the authenticator.")
    return True


def totp_confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    """The authenticator that logs `user` in, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_pending_device(user: AbstractBaseUser) -> TOTPDevice | None:
    """The authenticator waiting for its first code, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).last()


def totp_secret(device: TOTPDevice) -> str:
    """The key as an app asks for it when typed in: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def totp_qr_code(device: TOTPDevice) -> segno.QRCode:
    """The otpauth:// URI as a QR code, for the app to scan."""
    return segno.make(device.config_url, error="m", micro=False)


def _log(actor: AbstractBaseUser, user: AbstractBaseUser, flag: int, message: str) -> None:
    # The admin's own history of the user ("History" on their page).
    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=[user],
        action_flag=flag,
        change_message=message,
        single_object=True,
    )

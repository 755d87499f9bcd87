import datetime
import importlib
import time
import uuid

from django.apps import apps
from django.core import signing

from booking import services
from booking.forms import TOKEN_SALT
from booking.models import Booking, Location

_seed_migration = importlib.import_module("booking.migrations.0002_seed_locations")
_groups_migration = importlib.import_module("booking.migrations.0005_staff_groups")
_closures_migration = importlib.import_module("booking.migrations.0008_closure_permissions")
_grants_migration = importlib.import_module("booking.migrations.0013_manager_grants")
_online_booking_migration = importlib.import_module("booking.migrations.0015_online_booking_grants")
_insights_migration = importlib.import_module("booking.migrations.0016_first_contact_figures")


def ensure_clinic_locations() -> list[Location]:
    """Milford and Westport as the data migration creates them.

    Transactional tests (the browser ones) flush the database afterwards, so
    tests that need the seeded rows ask for them through this helper.
    """
    _seed_migration.create_locations(apps, None)
    return list(Location.objects.filter(slug__in=["milford", "westport"]))


def make_location(**overrides) -> Location:
    fields = {
        "name": "Test Office",
        "slug": "test-office",
        "address_line1": "1 Main St",
        "city": "Hartford",
        "state": "CT",
        "postal_code": "06103",
    }
    fields.update(overrides)
    return Location.objects.create(**fields)


def location_form_data(location: Location, **overrides) -> dict:
    """What the admin's office page posts back unchanged (no opening hours, no online
    booking), plus overrides."""
    data = {
        "name": location.name,
        "slug": location.slug,
        "is_active": "on",
        "display_order": location.display_order,
        "address_line1": location.address_line1,
        "address_line2": location.address_line2,
        "city": location.city,
        "state": location.state,
        "postal_code": location.postal_code,
        "opening_hours-TOTAL_FORMS": "0",
        "opening_hours-INITIAL_FORMS": "0",
        "availability-TOTAL_FORMS": "0",
        "availability-INITIAL_FORMS": "0",
        "availability_windows-TOTAL_FORMS": "0",
        "availability_windows-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def form_token(*, key: uuid.UUID | None = None, seconds_ago: int = 60) -> str:
    return signing.dumps(
        {"key": str(key or uuid.uuid4()), "started": int(time.time()) - seconds_ago},
        salt=TOKEN_SALT,
    )


def valid_booking_data(**overrides) -> dict:
    """A complete, valid POST for the consultation request form."""
    data = {
        "location": "milford",
        "meeting": "in_person",
        "first_name": "Jordan",
        "last_name": "Rivera",
        "date_of_birth": "1985-03-27",
        "email": "jordan@example.com",
        "phone": "203 555 0123",
        "contact_method": "phone",
        "best_times": ["time_weekday_mornings", "time_saturday"],
        "voicemail_ok": "yes",
        "email_ok": "yes",
        "diagnosed": "yes",
        "antidepressants": "two_or_more",
        "seeing_clinician": "yes",
        "message": "Private health details that must never be emailed.",
        "urgent": "no",
        "consent_contact": "on",
        "consent_privacy": "on",
        "heard_about": "doctor",
        "website": "",
        "form_token": form_token(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def make_booking(**overrides) -> Booking:
    ensure_clinic_locations()
    fields = {
        "location": Location.objects.get(slug="milford"),
        "meeting": Booking.Meeting.IN_PERSON,
        "first_name": "Jordan",
        "last_name": "Rivera",
        "date_of_birth": datetime.date(1985, 3, 27),
        "email": "jordan@example.com",
        "phone": "+12035550123",
        "contact_method": Booking.ContactMethod.PHONE,
        "voicemail_ok": True,
        "email_ok": True,
        "diagnosed": Booking.Diagnosed.YES,
        "antidepressants": Booking.Antidepressants.TWO_OR_MORE,
        "seeing_clinician": True,
        "message": "",
        "urgent": False,
        "consent_contact": True,
        "consent_privacy": True,
    }
    fields.update(overrides)
    booking, _ = services.booking_create(submission_key=uuid.uuid4(), **fields)
    return booking


STAFF_PASSWORD = "correct horse battery staple"


def make_staff(
    *, username: str = "frontdesk", group: str = "Front desk", locations=("milford",), **fields
):
    """A staff user in one of the staff groups, linked to locations by slug."""
    from django.contrib.auth.models import Group, User

    from booking.models import StaffProfile

    ensure_clinic_locations()
    # Transactional tests flush the groups the data migration made.
    _groups_migration.create_groups(apps, None)
    _closures_migration.grant(apps, None)
    _grants_migration.grant(apps, None)
    _online_booking_migration.grant(apps, None)
    _insights_migration.grant(apps, None)
    user = User.objects.create_user(
        username=username, password=STAFF_PASSWORD, is_staff=True, **fields
    )
    user.groups.add(Group.objects.get(name=group))
    profile = StaffProfile.objects.create(user=user)
    profile.locations.set(Location.objects.filter(slug__in=locations))
    return user


def make_manager(**fields):
    fields.setdefault("username", "manager")
    fields.setdefault("locations", ())
    return make_staff(group="Clinic manager", **fields)


_manager_staff_migration = importlib.import_module("booking.migrations.0010_managers_add_staff")


def make_staff_manager(**fields):
    """A clinic manager who adds and changes staff, in transactional tests too.

    Those flush the permissions the data migrations granted.
    """
    manager = make_manager(**fields)
    _manager_staff_migration.grant(apps, None)
    return manager


def make_authenticator(user, *, confirmed: bool = True):
    """The user's authenticator app, as a TOTP device (confirmed: it logs them in)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=confirmed)


def authenticator_code(device, *, steps_ahead: int = 0) -> str:
    """The code the app shows now, or `steps_ahead` 30-second steps later.

    A code is accepted once: after one was used, the next step's is needed.
    """
    from django_otp.oath import totp

    return f"{totp(device.bin_key, drift=steps_ahead):06d}"

import importlib

from django.apps import apps

from booking.models import Location

_seed_migration = importlib.import_module("booking.migrations.0002_seed_locations")


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

"""Create the clinic's two offices. Phone, hours and the front-desk email stay
blank until staff enter the real ones in the admin."""

from django.db import migrations

LOCATIONS = [
    {
        "slug": "milford",
        "name": "Milford",
        "address_line1": "232 Boston Post Rd",
        "address_line2": "Suite 13",
        "city": "Milford",
        "state": "CT",
        "postal_code": "06460",
        "display_order": 1,
    },
    {
        "slug": "westport",
        "name": "Westport",
        "address_line1": "1720 Post Rd E",
        "address_line2": "Suite 222",
        "city": "Westport",
        "state": "CT",
        "postal_code": "06880",
        "display_order": 2,
    },
]


def create_locations(apps, schema_editor):
    Location = apps.get_model("booking", "Location")
    for data in LOCATIONS:
        Location.objects.get_or_create(slug=data["slug"], defaults=data)


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [migrations.RunPython(create_locations, migrations.RunPython.noop)]

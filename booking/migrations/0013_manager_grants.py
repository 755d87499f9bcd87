"""Managers keep the clinic's facts: opening hours (inline on an office), the page
reviews and the clinic facts the reading pages show. The front desk reads the hours."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Front desk": ["booking.view_openinghours"],
    "Clinic manager": [
        "booking.view_openinghours",
        "booking.add_openinghours",
        "booking.change_openinghours",
        "booking.delete_openinghours",
        "pages.view_pagereview",
        "pages.add_pagereview",
        "pages.change_pagereview",
        "pages.view_clinicfacts",
        "pages.change_clinicfacts",
    ],
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran.
    for label in ("booking", "pages"):
        app_config = apps.get_app_config(label)
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0012_notification_undelivered_index"),
        ("pages", "0002_clinicfacts"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]

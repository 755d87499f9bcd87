"""The two staff groups. Front desk works its own locations' requests; the
clinic manager sees every location, exports and reads the audit logs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FRONT_DESK = [
    "booking.view_booking",
    "booking.change_booking",
    "booking.view_triagenote",
    "booking.add_triagenote",
    "booking.view_notification",
    "booking.view_location",
]
CLINIC_MANAGER = [
    *FRONT_DESK,
    "booking.view_all_locations",
    "booking.export_booking",
    "booking.view_bookingaccess",
    "booking.view_bookingexport",
    "booking.change_location",
]
GROUPS = {"Front desk": FRONT_DESK, "Clinic manager": CLINIC_MANAGER}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure
    # they exist now.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("booking", "0004_triage"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]

"""Managers keep the list of days the offices are closed; the front desk sees it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Front desk": ["view_clinicclosure"],
    "Clinic manager": [
        "view_clinicclosure",
        "add_clinicclosure",
        "change_clinicclosure",
        "delete_clinicclosure",
    ],
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran.
    app_config = apps.get_app_config("booking")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="booking", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="booking", codename__endswith="closure").delete()


class Migration(migrations.Migration):
    dependencies = [("booking", "0007_clinic_closure"), ("booking", "0005_staff_groups")]

    operations = [migrations.RunPython(grant, revoke)]

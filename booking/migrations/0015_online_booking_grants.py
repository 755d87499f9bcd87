"""Managers set each office's online booking: its rules and weekly windows
(both edited on the office's page)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Clinic manager": [
        f"booking.{action}_{model}"
        for model in ("availability", "availabilitywindow")
        for action in ("view", "add", "change", "delete")
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
    for name, codes in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [("booking", "0014_self_scheduling")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]

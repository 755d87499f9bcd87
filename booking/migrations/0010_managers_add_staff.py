"""Clinic managers add staff, change their roles and offices and set up their
authenticator app (Add a staff member, Users in the admin). The admin keeps
the Superuser box and raw permissions to superusers."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGER_USER_PERMISSIONS = ["view_user", "add_user", "change_user"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran.
    app_config = apps.get_app_config("auth")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Clinic manager")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="auth", codename__in=MANAGER_USER_PERMISSIONS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Clinic manager"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="auth", codename__in=MANAGER_USER_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("booking", "0009_console"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

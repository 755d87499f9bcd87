"""Staff users: who works on which office.

Clinic managers change staff here too (the groups migrations give them the
user permissions); only superusers see the Superuser box and the raw
permission grid.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from booking.models import StaffProfile
from booking.staff_services import StaffRole, may_change_staff

User = get_user_model()

# Whoever has these could make themselves a superuser.
SUPERUSER_ONLY_FIELDS = {"is_superuser", "user_permissions"}


# --- Staff users and their locations ----------------------------------------------------


# A handful of offices and two groups: checkboxes, not the admin's two-list
# picker (which also fails axe's ARIA checks).
CHECKBOXES = {"widget": forms.CheckboxSelectMultiple(attrs={"class": "radiolist"})}


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    formfield_overrides = {models.ManyToManyField: CHECKBOXES}
    verbose_name_plural = _("locations this person works on")

    # Whoever may change the person may change their offices: the user's
    # permissions decide, not separate ones for this model.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("auth.view_user") or self.has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return request.user.has_perm("auth.change_user")
        return may_change_staff(request.user, obj)


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    change_form_template = "admin/staff/user_change_form.html"
    change_list_template = "admin/staff/user_change_list.html"
    filter_horizontal = ["user_permissions"]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "is_active",
        "authenticator_ready",
        "last_login",
    ]
    list_filter = ["is_active", "groups"]

    def get_queryset(self, request):
        # One column per row, no query per row: whether the app is set up.
        confirmed = TOTPDevice.objects.filter(user=models.OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_authenticator=models.Exists(confirmed))

    @admin.display(
        boolean=True, description=_("authenticator set up"), ordering="has_authenticator"
    )
    def authenticator_ready(self, user) -> bool:
        return user.has_authenticator

    def has_add_permission(self, request):
        # Not Django's bare user form: staff are added with their role, offices
        # and authenticator on "Add a staff member" (staff_views.StaffAddView),
        # through the same service as `manage.py add_staff`.
        return False

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return may_change_staff(request.user, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f not in SUPERUSER_ONLY_FIELDS],
                },
            )
            for name, options in fieldsets
        ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs.update(CHECKBOXES)
            if not request.user.is_superuser:
                kwargs["queryset"] = Group.objects.filter(name__in=StaffRole.labels)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

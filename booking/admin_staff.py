"""Staff users: who works on which office."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from booking.models import StaffProfile

User = get_user_model()


# --- Staff users and their locations ----------------------------------------------------


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    filter_horizontal = ["locations"]
    verbose_name_plural = _("locations this person works on")


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]

from django.contrib import admin

from booking.models import Location
from pages.caching import content_changed


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "full_address", "phone", "notification_email", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "city", "postal_code"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active", "display_order"]}),
        (
            "Address",
            {"fields": ["address_line1", "address_line2", "city", "state", "postal_code"]},
        ),
        ("Contact", {"fields": ["phone", "hours", "notification_email"]}),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deactivate a location instead: past requests still refer to it.
        return False

    # The reading pages show location details and are cached; refresh them.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        content_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        content_changed()

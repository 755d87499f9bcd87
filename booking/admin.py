from django.contrib import admin

from booking.models import Booking, Location, Notification
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


class NotificationInline(admin.TabularInline):
    model = Notification
    extra = 0
    can_delete = False
    fields = ["kind", "state", "attempts", "last_error", "created_at", "next_attempt_at", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["reference", "created_at", "location", "status", "urgent", "meeting"]
    list_filter = ["location", "status", "urgent"]
    list_select_related = ["location"]
    search_fields = ["reference"]
    date_hierarchy = "created_at"
    inlines = [NotificationInline]
    readonly_fields = [
        field.name
        for field in Booking._meta.get_fields()
        if field.concrete and not field.auto_created and field.name != "submission_key"
    ]
    exclude = ["submission_key"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

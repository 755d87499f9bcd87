from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from booking import checks  # noqa: F401  (registers the launch checks)


class ClinicAdminConfig(admin_apps.AdminConfig):
    # Named in INSTALLED_APPS in place of django.contrib.admin.
    default = False
    default_site = "booking.admin_site.ClinicAdminSite"

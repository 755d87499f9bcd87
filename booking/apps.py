from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "Bookings"


class ClinicAdminConfig(admin_apps.AdminConfig):
    # Named in INSTALLED_APPS in place of django.contrib.admin.
    default = False
    default_site = "booking.admin_site.ClinicAdminSite"

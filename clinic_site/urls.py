from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from clinic_site import views

admin.site.site_header = "Ketamine Center of Connecticut — staff"
admin.site.site_title = "Clinic staff"
admin.site.index_title = "Front desk"

handler400 = "clinic_site.views.bad_request"
handler403 = "clinic_site.views.permission_denied"
handler404 = "clinic_site.views.page_not_found"
handler500 = "clinic_site.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("request-consultation/", include("booking.urls")),
    path("", include("pages.urls")),
]

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import pgettext_lazy

from clinic_site import views
from pages import views as page_views
from pages.sitemaps import PageSitemap

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
    # One sitemap for both languages (each entry lists its twin).
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": PageSitemap}}, name="sitemap"),
    path("robots.txt", page_views.robots_txt, name="robots_txt"),
    # Staff work in English; the public site is English at today's URLs and
    # Spanish under /es/, with Spanish paths ("URL path" entries in the
    # catalogue). Each page links to its twin; no browser-language redirect.
    *i18n_patterns(
        path(pgettext_lazy("URL path", "request-consultation/"), include("booking.urls")),
        path("", include("pages.urls")),
        prefix_default_language=False,
    ),
]

from django.urls import include, path
from django.utils.translation import pgettext_lazy

from pages import views
from pages.content import HEALTH_PAGES

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    # The hub and its pages share one translated prefix (/ketamine/, /es/ketamina/).
    path(
        pgettext_lazy("URL path", "ketamine/"),
        include(
            [
                path("", views.page, {"template_name": "pages/guide.html"}, name="guide"),
                *(
                    path(page.path, views.health_page, {"key": page.key}, name=page.key)
                    for page in HEALTH_PAGES
                ),
            ]
        ),
    ),
    path(
        pgettext_lazy("URL path", "our-physician/"),
        views.page,
        {"template_name": "pages/physician.html"},
        name="physician",
    ),
    path(pgettext_lazy("URL path", "locations/"), views.locations, name="locations"),
    path(
        pgettext_lazy("URL path", "crisis/"),
        views.page,
        {"template_name": "pages/crisis.html"},
        name="crisis",
    ),
    path(
        pgettext_lazy("URL path", "privacy/"),
        views.page,
        {"template_name": "pages/privacy.html"},
        name="privacy",
    ),
]

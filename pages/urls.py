from django.urls import path

from pages import views
from pages.content import HEALTH_PAGES

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("ketamine/", views.page, {"template_name": "pages/guide.html"}, name="guide"),
    *(
        path(page.path, views.health_page, {"key": page.key}, name=page.key)
        for page in HEALTH_PAGES
    ),
    path(
        "our-physician/",
        views.page,
        {"template_name": "pages/physician.html"},
        name="physician",
    ),
    path("locations/", views.locations, name="locations"),
    path("crisis/", views.page, {"template_name": "pages/crisis.html"}, name="crisis"),
    path("privacy/", views.page, {"template_name": "pages/privacy.html"}, name="privacy"),
]

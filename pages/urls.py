from django.urls import path
from django.views.generic import TemplateView

from pages import views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("locations/", views.locations, name="locations"),
    path("crisis/", TemplateView.as_view(template_name="pages/crisis.html"), name="crisis"),
    path("privacy/", TemplateView.as_view(template_name="pages/privacy.html"), name="privacy"),
]

from django.urls import include, path
from django.utils.translation import pgettext_lazy

from booking import appointment_views, views

app_name = "booking"
urlpatterns = [
    path("", views.booking_create, name="create"),
    path(pgettext_lazy("URL path", "sent/"), views.booking_done, name="done"),
    path(pgettext_lazy("URL path", "time/"), appointment_views.pick_time, name="pick"),
    # The link in an appointment's emails, and what it leads to.
    path(
        pgettext_lazy("URL path", "appointment/<str:token>/"),
        include(
            [
                path("", appointment_views.manage, name="manage"),
                path(
                    pgettext_lazy("URL path", "time/"),
                    appointment_views.manage_time,
                    name="manage_time",
                ),
                path(
                    pgettext_lazy("URL path", "cancel/"),
                    appointment_views.manage_cancel,
                    name="manage_cancel",
                ),
                path(
                    pgettext_lazy("URL path", "appointment.ics"),
                    appointment_views.manage_calendar,
                    name="manage_calendar",
                ),
            ]
        ),
    ),
]

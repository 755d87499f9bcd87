from django.urls import path

from booking import appointment_views, views

app_name = "booking"
urlpatterns = [
    path("", views.booking_create, name="create"),
    path("sent/", views.booking_done, name="done"),
    path("time/", appointment_views.pick_time, name="pick"),
    path("appointment/<str:token>/", appointment_views.manage, name="manage"),
    path("appointment/<str:token>/time/", appointment_views.manage_time, name="manage_time"),
    path("appointment/<str:token>/cancel/", appointment_views.manage_cancel, name="manage_cancel"),
    path(
        "appointment/<str:token>/appointment.ics",
        appointment_views.manage_calendar,
        name="manage_calendar",
    ),
]

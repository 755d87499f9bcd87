from django.urls import path

from booking import views

app_name = "booking"
urlpatterns = [
    path("", views.booking_create, name="create"),
    path("sent/", views.booking_done, name="done"),
]

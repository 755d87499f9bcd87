from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from booking.models import Location


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/home.html", {"locations": Location.objects.active()})


@require_safe
def locations(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/locations.html", {"locations": Location.objects.active()})

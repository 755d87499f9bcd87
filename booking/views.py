from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from booking import ratelimit, services
from booking.forms import BookingForm
from booking.models import Booking, Location
from booking.selectors import location_directory

SESSION_KEY = "booking_reference"
# A keyed hash of the last answers this browser sent. Going back to the form
# reloads it with a fresh submission key (the page is never cached), so the
# same answers sent again are recognised by their fingerprint instead.
FINGERPRINT_KEY = "booking_fingerprint"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def booking_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        client = ratelimit.client_key(request)
        if (
            ratelimit.hit("booking-post", client) > settings.BOOKING_POSTS_PER_HOUR
            or ratelimit.count("booking-new", client) >= settings.BOOKING_REQUESTS_PER_HOUR
        ):
            return render(
                request,
                "booking/rate_limited.html",
                {"locations": location_directory()},
                status=429,
            )
        form = BookingForm(request.POST)
        if form.is_valid():
            fingerprint = form.fingerprint()
            if request.session.get(FINGERPRINT_KEY) == fingerprint:
                return redirect("booking:done")
            booking, created = services.booking_create(
                submission_key=form.submission_key, **form.booking_fields()
            )
            if created:
                ratelimit.hit("booking-new", client)
            request.session[SESSION_KEY] = booking.reference
            request.session[FINGERPRINT_KEY] = fingerprint
            return redirect("booking:done")
    else:
        location = Location.objects.active().filter(slug=request.GET.get("location", "")).first()
        form = BookingForm(initial={"location": location})
    return render(request, "booking/booking_form.html", {"form": form})


@never_cache
@require_safe
def booking_done(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(SESSION_KEY)
    if not reference:
        return redirect("booking:create")
    booking = get_object_or_404(Booking.objects.select_related("location"), reference=reference)
    return render(request, "booking/booking_done.html", {"booking": booking})

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from booking import availability, ratelimit, services
from booking.forms import SLUG, BookingForm, answers_fingerprint, session_tag, stored_answers
from booking.manage_links import calendar_url, manage_url
from booking.models import Appointment, Booking, Location
from booking.selectors import location_directory

# The request this browser sent last: its reference, a keyed hash of its
# answers and when it was sent. Kept for BOOKING_CONFIRMATION_SECONDS: long
# enough to read the confirmation and to go Back, short enough that the next
# person at a shared computer does not see it.
SENT_KEY = "booking_sent"
# Tags of this browser's earlier session keys (the key changes when a
# request is stored), so a form page it loaded before still sends.
EARLIER_SESSIONS_KEY = "booking_earlier_sessions"
EARLIER_SESSIONS_KEPT = 5
# Posted by the "send a second request" step with the first one's reference.
CONFIRM_FIELD = "confirm_second"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def booking_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = BookingForm(
            initial={"location": _linked_location(request)}, session=_current_session(request)
        )
        return _compressed(request, render(request, "booking/booking_form.html", {"form": form}))

    client = ratelimit.client_key(request)
    if (
        ratelimit.hit("booking-post", client) > settings.BOOKING_POSTS_PER_HOUR
        or ratelimit.count("booking-new", client) >= settings.BOOKING_REQUESTS_PER_HOUR
    ):
        return _rate_limited(request)
    form = BookingForm(
        request.POST,
        session=_current_session(request),
        accepted_sessions=_accepted_sessions(request),
    )
    if not form.is_valid():
        return render(request, "booking/booking_form.html", {"form": form})

    fingerprint = form.fingerprint()
    sent = _sent_recently(request)
    if sent and sent["fingerprint"] == fingerprint:
        # The same answers again (Back, then Send): the request is stored.
        return redirect("booking:done")
    if sent and request.POST.get(CONFIRM_FIELD) != sent["reference"]:
        first = Booking.objects.filter(reference=sent["reference"]).first()
        if first is not None:
            form.new_submission()
            return render(request, "booking/confirm_second.html", {"form": form, "first": first})

    # The slot is taken before storing, so posts arriving together cannot
    # all find room for one more; it is given back if nothing new is stored.
    reservation = ratelimit.reserve("booking-new", client, settings.BOOKING_REQUESTS_PER_HOUR)
    if reservation is None:
        return _rate_limited(request)
    try:
        booking, created = services.booking_create(
            submission_key=form.submission_key,
            language=get_language(),
            **form.booking_fields(),
        )
    except Exception:
        reservation.release()
        raise
    if not created:
        reservation.release()
        # The token was sent before. Only the very same answers may see
        # that request: a token replayed with other answers learns nothing.
        if answers_fingerprint(stored_answers(booking)) != fingerprint:
            form.refuse_sent_token()
            return render(request, "booking/booking_form.html", {"form": form})
    _remember_sent(request, booking, fingerprint)
    if created and availability.offered_kinds(booking.location):
        # The office takes online bookings: the patient may pick a time now.
        return redirect("booking:pick")
    return redirect("booking:done")


@never_cache
@require_safe
def booking_done(request: HttpRequest) -> HttpResponse:
    booking = sent_booking(request)
    if booking is None:
        return redirect("booking:create")
    appointment = booking.appointments.filter(state=Appointment.State.BOOKED).first()
    can_pick = (
        appointment is None
        and booking.status in (Booking.Status.NEW, Booking.Status.CONTACTED)
        and bool(availability.offered_kinds(booking.location))
    )
    return render(
        request,
        "booking/booking_done.html",
        {
            "booking": booking,
            "appointment": appointment,
            "manage_url": manage_url(appointment) if appointment else "",
            "calendar_url": calendar_url(appointment) if appointment else "",
            "can_pick": can_pick,
        },
    )


def sent_booking(request: HttpRequest) -> Booking | None:
    """The request this browser sent in the last BOOKING_CONFIRMATION_SECONDS, if any."""
    sent = _sent_recently(request)
    if not sent:
        return None
    return get_object_or_404(
        Booking.objects.select_related("location"), reference=sent["reference"]
    )


def _compressed(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The empty form, gzipped for browsers that accept it.

    Safe from BREACH, unlike the form sent back with errors (never
    compressed): nothing the visitor typed is in it (the office in
    ?location= only picks one of our own options), the CSRF token is masked
    afresh in every response, and the form token holds a new random key
    each time, so no secret repeats for an attacker to guess at. Django's
    GZipMiddleware also pads each response by a random length.
    """
    return GZipMiddleware(lambda _request: response).process_response(request, response)


def _linked_location(request: HttpRequest) -> Location | None:
    """The office a link asked for (?location=westport), if it is one."""
    slug = request.GET.get("location", "")
    if not SLUG.fullmatch(slug):
        return None
    return Location.objects.active().filter(slug=slug).first()


def _rate_limited(request: HttpRequest) -> HttpResponse:
    return render(
        request, "booking/rate_limited.html", {"locations": location_directory()}, status=429
    )


def _current_session(request: HttpRequest):
    """The tag for new form tokens; the browser gets a session when one is first needed."""

    def tag() -> str:
        # Reading loads the session: a key whose session has gone reads as none.
        request.session.get(SENT_KEY)
        if not request.session.session_key:
            request.session.cycle_key()
        return session_tag(request.session.session_key)

    return tag


def _accepted_sessions(request: HttpRequest) -> set[str]:
    """Tags a posted form token may carry: this browser's session, now or earlier.

    The session cookie as sent counts even when its session is gone: a
    double click sends the second post with the key the first one replaced.
    """
    keys = {request.session.session_key, request.COOKIES.get(settings.SESSION_COOKIE_NAME)}
    tags = {session_tag(key) for key in keys if key}
    return tags | set(request.session.get(EARLIER_SESSIONS_KEY, []))


def _sent_recently(request: HttpRequest) -> dict | None:
    sent = request.session.get(SENT_KEY)
    if not isinstance(sent, dict):
        return None
    if time.time() - sent.get("at", 0) > settings.BOOKING_CONFIRMATION_SECONDS:
        del request.session[SENT_KEY]
        return None
    return sent


def _remember_sent(request: HttpRequest, booking: Booking, fingerprint: str) -> None:
    """Keep the request for this browser, under a new session key.

    A new key means a session planted on the patient beforehand (session
    fixation) cannot read the confirmation.
    """
    keys = (request.session.session_key, request.COOKIES.get(settings.SESSION_COOKIE_NAME))
    current = sorted({session_tag(key) for key in keys if key})
    earlier = [t for t in request.session.get(EARLIER_SESSIONS_KEY, []) if t not in current]
    request.session.cycle_key()
    request.session[SENT_KEY] = {
        "reference": booking.reference,
        "fingerprint": fingerprint,
        "at": time.time(),
    }
    request.session[EARLIER_SESSIONS_KEY] = [*earlier, *current][-EARLIER_SESSIONS_KEPT:]

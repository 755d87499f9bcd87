"""Patients picking, moving and cancelling their own consultation time.

Right after sending a request, this browser may pick a time for it (the
session holds the request, as for the confirmation). Later, the manage link
from the emails is the only key: it carries a token and nothing else.
"""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from booking import availability, services
from booking.calendar import appointment_ics, ics_filename
from booking.forms import PickTimeForm
from booking.manage_links import manage_url
from booking.models import Appointment, Booking, Location, Meeting
from booking.views import sent_booking

PICKABLE = (Booking.Status.NEW, Booking.Status.CONTACTED)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def pick_time(request: HttpRequest) -> HttpResponse:
    """The open times for the request this browser has just sent."""
    booking = sent_booking(request)
    if booking is None:
        return redirect("booking:create")
    if booking.status not in PICKABLE or booking.anonymised_at:
        return redirect("booking:done")
    page = TimesPage(request, booking.location, current=booking.meeting)
    if not page.kinds:
        return redirect("booking:done")
    if request.method != "POST":
        return page.render(booking=booking)
    form = PickTimeForm(request.POST, kinds=page.kinds)
    if not form.is_valid():
        return page.render(booking=booking, form=form, status=400)
    try:
        services.appointment_book(booking=booking, **form.appointment())
    except services.TimeTaken:
        return page.render(booking=booking, form=form, taken=form.cleaned_data["starts_at"])
    except ValidationError as error:
        return page.render(booking=booking, form=form, refused=error, status=400)
    return redirect("booking:done")


@never_cache
@require_safe
def manage(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _linked(token)
    if appointment is None:
        return _link_gone(request)
    return render(
        request,
        "booking/manage.html",
        {
            "appointment": appointment,
            "booking": appointment.booking,
            "location": appointment.location,
            "token": token,
            "can_move": bool(availability.offered_kinds(appointment.location)),
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def manage_time(request: HttpRequest, token: str) -> HttpResponse:
    """Pick another time from the manage link; the old one is kept if the new one is lost."""
    appointment = _linked(token)
    if appointment is None:
        return _link_gone(request)
    page = TimesPage(request, appointment.location, current=appointment.meeting)
    if not page.kinds:
        return redirect("booking:manage", token=token)
    context = {"appointment": appointment, "booking": appointment.booking, "token": token}
    if request.method != "POST":
        return page.render(**context)
    form = PickTimeForm(request.POST, kinds=page.kinds)
    if not form.is_valid():
        return page.render(form=form, status=400, **context)
    try:
        moved = services.appointment_move(appointment=appointment, **form.appointment())
    except services.TimeTaken:
        return page.render(form=form, taken=form.cleaned_data["starts_at"], **context)
    except ValidationError as error:
        if error.code == "link_used":
            return _link_gone(request)
        return page.render(form=form, refused=error, status=400, **context)
    return redirect(manage_url(moved) + "?moved=1")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _linked(token)
    if appointment is None:
        return _link_gone(request)
    context = {"appointment": appointment, "location": appointment.location, "token": token}
    if request.method != "POST":
        return render(request, "booking/manage_cancel.html", context)
    try:
        booking = services.appointment_cancel(appointment=appointment)
    except ValidationError:
        return _link_gone(request)
    return render(
        request,
        "booking/manage_cancelled.html",
        {
            **context,
            "booking": booking,
            "can_pick": bool(availability.offered_kinds(booking.location)),
        },
    )


@never_cache
@require_safe
def manage_calendar(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _linked(token)
    if appointment is None:
        raise Http404
    booking = appointment.booking
    response = HttpResponse(
        appointment_ics(booking=booking, ends_at=appointment.ends_at),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{ics_filename()}"'
    return response


def _linked(token: str) -> Appointment | None:
    return services.appointment_for_link(token=token)


def _link_gone(request: HttpRequest) -> HttpResponse:
    """A link for a time that has passed, moved or been cancelled: say so, and how to reach us."""
    return render(request, "booking/manage_gone.html", status=410)


class TimesPage:
    """The page of open times at one office, for one kind of consultation at a time."""

    def __init__(self, request: HttpRequest, location: Location, *, current: str):
        self.request = request
        self.location = location
        if request.method == "POST":
            # Booking needs only the kinds offered; if the page is shown
            # again (a time just taken), its times are read afresh.
            self.calendar = None
            kinds = availability.offered_kinds(location)
        else:
            # One read of the office's rules serves the kinds and the times.
            self.calendar = availability.office_calendar(location, first=timezone.localdate())
            kinds = self.calendar.kinds if self.calendar else []
        self.kinds = kinds
        if not kinds:
            return
        asked = request.POST.get("kind") or request.GET.get("kind")
        self.kind = asked if asked in kinds else current if current in kinds else kinds[0]
        try:
            self.days = int(request.GET.get("days", availability.DAYS_SHOWN))
        except ValueError:
            self.days = availability.DAYS_SHOWN
        self.days = min(max(self.days, availability.DAYS_SHOWN), availability.MAX_DAYS_SHOWN)

    def render(self, *, form=None, taken=None, refused=None, status=200, **context):
        now = timezone.now()
        calendar = self.calendar or availability.office_calendar(
            self.location, first=timezone.localdate(now)
        )
        days, next_times = [], []
        if calendar is not None:
            days = calendar.open_days(self.kind, now, days=self.days)
            if taken is not None:
                next_times = calendar.next_times(self.kind, now, after=taken)
        if taken is not None:
            status = 409
        context.update(
            location=self.location,
            kind=self.kind,
            kind_label=Meeting(self.kind).label,
            kinds=[(kind, Meeting(kind).label, self._url(kind=kind)) for kind in self.kinds],
            open_days=days,
            more_url=self._url(days=self.days + availability.DAYS_SHOWN)
            if len(days) == self.days and self.days < availability.MAX_DAYS_SHOWN
            else "",
            form=form,
            taken=taken,
            next_times=next_times,
            refused=refused.messages[0] if refused else "",
            action=self.request.path,
        )
        return render(self.request, "booking/pick_time.html", context, status=status)

    def _url(self, *, kind=None, days=None) -> str:
        query = {"kind": kind or self.kind}
        if days:
            query["days"] = days
        return f"{self.request.path}?{urlencode(query)}"

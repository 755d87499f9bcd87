"""Reads: the triage console's summaries and the public list of offices."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.db.models import Count, Q
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from booking.models import (
    Booking,
    ClinicClosure,
    Location,
    Meeting,
    Notification,
    OpeningHours,
    overdue_condition,
    sees_all_locations,
)

NEEDS_REASON_STATUSES = [Booking.Status.NOT_SUITABLE, Booking.Status.REFERRED]
# Managers hold this permission (through their group): they see every office.
ALL_LOCATIONS_PERMISSION = "view_all_locations"

# How far back closed days are looked up: far more than any run of them.
CLOSURE_LOOKBACK_DAYS = 60

# The last list of offices read from the database, kept in the shared cache.
DIRECTORY_KEY = "booking:location-directory:3"
DIRECTORY_FIELDS = (
    "name",
    "slug",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "phone",
    "public_email",
    "response_promise",
    "response_promise_es",
)
# Before staff enter an office's hours, the overdue clock counts these.
DEFAULT_BUSINESS_HOURS = [(weekday, datetime.time(9), datetime.time(17)) for weekday in range(5)]


def location_directory() -> list[Location]:
    """The offices patients can visit, with their hours, for the pages and their footer.

    Every read leaves a copy in the shared cache. While the database cannot
    be reached, that copy is used instead, so pages (and the outage page)
    still tell people where and how to reach the clinic.
    """
    try:
        locations = list(Location.objects.active().prefetch_related("opening_hours"))
    except (OperationalError, InterfaceError):
        return location_directory_last_known()
    rows = [
        {
            **{field: getattr(location, field) for field in DIRECTORY_FIELDS},
            "weekly": [(h.weekday, h.opens, h.closes) for h in location.weekly_hours],
        }
        for location in locations
    ]
    cache.set(DIRECTORY_KEY, rows, timeout=None)
    return locations


def location_directory_last_known() -> list[Location]:
    """The copy of the directory last read from the database; no query."""
    locations = []
    for row in cache.get(DIRECTORY_KEY, []):
        fields = {key: value for key, value in row.items() if key != "weekly"}
        location = Location(**fields)
        location.known_hours = [
            OpeningHours(weekday=day, opens=opens, closes=closes)
            for day, opens, closes in row["weekly"]
        ]
        locations.append(location)
    return locations


def overdue_cutoffs(*, now: datetime.datetime | None = None) -> dict[int, datetime.datetime]:
    """Per office id: the moment BOOKING_OVERDUE_BUSINESS_HOURS of its opening hours ago.

    A request still New that arrived at that office before it, and that
    nobody has tried to reach, is overdue. Days the office is closed (its own
    or every office's ClinicClosure) do not count.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    closures = list(
        ClinicClosure.objects.filter(
            date__range=(today - datetime.timedelta(days=CLOSURE_LOOKBACK_DAYS), today)
        ).values_list("date", "location_id")
    )
    cutoffs = {}
    for location in Location.objects.prefetch_related("opening_hours"):
        weekly = [(h.weekday, h.opens, h.closes) for h in location.weekly_hours]
        closed = {day for day, office in closures if office in (None, location.pk)}
        cutoffs[location.pk] = business_hours_before(
            now, weekly=weekly or DEFAULT_BUSINESS_HOURS, closed=closed
        )
    return cutoffs


def overdue_cutoff(*, location: Location, now: datetime.datetime | None = None):
    """overdue_cutoffs() for one office."""
    return overdue_cutoffs(now=now)[location.pk]


def business_hours_before(
    now: datetime.datetime, *, weekly: list[tuple], closed: set[datetime.date]
) -> datetime.datetime:
    """The moment BOOKING_OVERDUE_BUSINESS_HOURS open hours before `now`, local time."""
    hours = {day: (opens, closes) for day, opens, closes in weekly}
    moment = timezone.localtime(now)
    remaining = datetime.timedelta(hours=settings.BOOKING_OVERDUE_BUSINESS_HOURS)
    day = moment.date()
    for _day in range(CLOSURE_LOOKBACK_DAYS + 7):
        if day.weekday() in hours and day not in closed:
            opens_at, closes_at = (
                timezone.make_aware(datetime.datetime.combine(day, time))
                for time in hours[day.weekday()]
            )
            if moment > opens_at:
                end = min(moment, closes_at)
                if end - opens_at >= remaining:
                    return end - remaining
                remaining -= end - opens_at
        day -= datetime.timedelta(days=1)
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59)))
    # Closed for longer than we look back: nothing waiting is overdue yet.
    return timezone.localtime(now) - datetime.timedelta(days=CLOSURE_LOOKBACK_DAYS + 7)


def business_time_between(
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    weekly: list[tuple],
    closed: set[datetime.date],
) -> datetime.timedelta:
    """How much of `start`–`end` falls in the office's opening hours, closed days left out."""
    hours = {day: (opens, closes) for day, opens, closes in weekly}
    total = datetime.timedelta()
    day, last = timezone.localdate(start), timezone.localdate(end)
    while day <= last:
        if day.weekday() in hours and day not in closed:
            opens_at, closes_at = (
                timezone.make_aware(datetime.datetime.combine(day, time))
                for time in hours[day.weekday()]
            )
            overlap = min(end, closes_at) - max(start, opens_at)
            if overlap > datetime.timedelta():
                total += overlap
        day += datetime.timedelta(days=1)
    return total


def office_business_minutes(
    location: Location, start: datetime.datetime, end: datetime.datetime
) -> int:
    """Whole minutes of the office's opening hours (weekdays 9–17 until entered) from
    `start` to `end`, its closed days and every office's left out."""
    weekly = list(location.opening_hours.values_list("weekday", "opens", "closes"))
    closed = set(
        ClinicClosure.objects.filter(
            Q(location__isnull=True) | Q(location=location),
            date__range=(timezone.localdate(start), timezone.localdate(end)),
        ).values_list("date", flat=True)
    )
    elapsed = business_time_between(
        start, end, weekly=weekly or DEFAULT_BUSINESS_HOURS, closed=closed
    )
    return int(elapsed.total_seconds() // 60)


def location_summary(
    *, user, now: datetime.datetime | None = None, overdue_before: dict | None = None
) -> list[dict]:
    """Per location the user can see: new, urgent (not reached yet), overdue, scheduled this week.

    `overdue_before` is overdue_cutoffs(now=now), for a caller that has it already.
    """
    now = now or timezone.now()
    overdue_before = overdue_before or overdue_cutoffs(now=now)
    week_start, week_end = week_bounds(timezone.localdate(now))
    return list(
        Booking.objects.visible_to(user)
        .open()
        .values("location_id", "location__name")
        .annotate(
            new=Count("pk", filter=Q(status=Booking.Status.NEW)),
            urgent=Count("pk", filter=Q(urgent_unreached=True)),
            overdue=Count("pk", filter=overdue_condition(overdue_before)),
            scheduled_this_week=Count(
                "pk",
                filter=Q(
                    status=Booking.Status.SCHEDULED,
                    scheduled_for__gte=week_start,
                    scheduled_for__lt=week_end,
                ),
            ),
        )
        .order_by("location__name")
    )


def week_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Monday 00:00 of `day`'s week and the Monday after, local time."""
    monday = day - datetime.timedelta(days=day.weekday())
    return day_start(monday), day_start(monday + datetime.timedelta(days=7))


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


# --- One request: its timeline ----------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    title: str
    detail: str = ""
    by: str = ""
    # A CSS modifier: "attempt", "reached", "note", "status", "email", "problem".
    kind: str = "status"


def staff_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def booking_timeline(*, booking: Booking) -> list[TimelineEntry]:
    """Everything that happened to a request, newest first, in a fixed number of queries."""
    entries = [
        *_attempt_entries(booking),
        *_note_entries(booking),
        *_history_entries(booking),
        *_email_entries(booking),
    ]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries


def _attempt_entries(booking: Booking):
    for attempt in booking.contact_attempts.select_related("made_by"):
        yield TimelineEntry(
            at=attempt.made_at,
            title=f"{attempt.get_channel_display()}: {attempt.get_outcome_display().lower()}",
            detail=attempt.note,
            by=staff_name(attempt.made_by),
            kind="reached" if attempt.succeeded else "attempt",
        )


def _note_entries(booking: Booking):
    for note in booking.notes.select_related("author"):
        yield TimelineEntry(
            at=note.created_at,
            title=_("Internal note"),
            detail=note.text,
            by=staff_name(note.author),
            kind="note",
        )


def office_time(value: datetime.datetime) -> str:
    """'Tue 9 Dec, 2:30 PM' in the offices' time zone."""
    return dateformat.format(timezone.localtime(value), "D j M, g:i A")


def _appointment_text(version) -> str:
    mode = Meeting(version.scheduled_meeting).label if version.scheduled_meeting else ""
    return office_time(version.scheduled_for) + (f" · {mode}" if mode else "")


def _history_entries(booking: Booking):
    versions = list(
        booking.history.select_related("history_user", "assigned_to").order_by("history_date")
    )
    previous = None
    for version in versions:
        # Changes nobody on the staff made come from the patient's own links.
        by = staff_name(version.history_user) if version.history_user_id else _("the patient")
        if previous is None:
            yield TimelineEntry(
                at=version.history_date,
                title=_("Request received"),
                detail=_("Sent by the patient through the website."),
                kind="status",
            )
            previous = version
            continue
        if version.status != previous.status:
            old, new = Booking.Status(previous.status), Booking.Status(version.status)
            if old == Booking.Status.SCHEDULED and new in (
                Booking.Status.CONTACTED,
                Booking.Status.NEW,
            ):
                title = _("Appointment cancelled")
            elif new == Booking.Status.SCHEDULED:
                title = _("Appointment booked: %(when)s") % {"when": _appointment_text(version)}
            else:
                title = _("Status: %(old)s → %(new)s") % {"old": old.label, "new": new.label}
            detail = version.closing_reason if new in NEEDS_REASON_STATUSES else ""
            yield TimelineEntry(at=version.history_date, title=title, detail=detail, by=by)
        elif version.status == Booking.Status.SCHEDULED and (
            version.scheduled_for != previous.scheduled_for
            or version.scheduled_meeting != previous.scheduled_meeting
            or version.video_link != previous.video_link
        ):
            yield TimelineEntry(
                at=version.history_date,
                title=_("Rescheduled: %(when)s") % {"when": _appointment_text(version)},
                by=by,
            )
        if version.assigned_to_id != previous.assigned_to_id:
            title = (
                _("Assigned to %(name)s") % {"name": staff_name(version.assigned_to)}
                if version.assigned_to_id
                else _("Unassigned")
            )
            yield TimelineEntry(at=version.history_date, title=title, by=by)
        previous = version


def _email_entries(booking: Booking):
    for notification in booking.notifications.all():
        state = Notification.State(notification.state)
        detail = state.label
        if notification.sent_at:
            detail = _("Sent %(when)s") % {"when": office_time(notification.sent_at)}
        elif state == Notification.State.QUEUED and notification.attempts:
            detail = _("Not sent yet: %(attempts)d failed tries, trying again") % {
                "attempts": notification.attempts
            }
        yield TimelineEntry(
            at=notification.created_at,
            title=_("Email: %(kind)s") % {"kind": notification.get_kind_display()},
            detail=detail,
            kind="problem"
            if state in (Notification.State.FAILED, Notification.State.SKIPPED)
            else "email",
        )


# --- Front-desk notices nobody received ------------------------------------

UNDELIVERABLE_STATES = [Notification.State.SKIPPED, Notification.State.FAILED]
# The index and the request list show this many; acknowledging them shows the next.
NOTICES_SHOWN = 20


def undeliverable_notices(*, user):
    """Front-desk notices that were skipped (no address) or failed for good, on the
    requests this user may see."""
    notices = Notification.objects.filter(
        kind=Notification.Kind.FRONT_DESK_NEW, state__in=UNDELIVERABLE_STATES
    )
    if sees_all_locations(user):
        # Every request: no need to list them all in a subquery.
        return notices
    return notices.filter(booking__in=Booking.objects.visible_to(user).values("pk"))


def undelivered_notices(*, user) -> dict:
    """Front-desk notices nobody received and nobody has acknowledged yet.

    Only for requests the user may see: managers see every office's, the
    front desk its own offices'. Urgent first, then the longest waiting.
    """
    notices = (
        undeliverable_notices(user=user)
        .filter(acknowledged_at__isnull=True)
        .select_related("booking__location")
        .order_by("-booking__urgent", "created_at", "pk")
    )
    shown = list(notices[: NOTICES_SHOWN + 1])
    total = len(shown)
    if total > NOTICES_SHOWN:
        shown, total = shown[:NOTICES_SHOWN], notices.count()
    return {"notices": shown, "total": total, "more": total - len(shown)}


# --- The agenda ---------------------------------------------------------------


def agenda(*, user, start: datetime.date, days: int) -> list[dict]:
    """Per office the user works on: its appointments from `start` for `days` days, by day."""
    offices = Location.objects.active().worked_on_by(user)
    appointments = (
        Booking.objects.visible_to(user)
        .filter(
            status=Booking.Status.SCHEDULED,
            scheduled_for__gte=day_start(start),
            scheduled_for__lt=day_start(start + datetime.timedelta(days=days)),
        )
        .select_related("assigned_to")
        .order_by("scheduled_for")
    )
    by_office = {office.pk: {"office": office, "days": {}} for office in offices}
    for booking in appointments:
        office = by_office.get(booking.location_id)
        if office is not None:
            day = timezone.localdate(booking.scheduled_for)
            office["days"].setdefault(day, []).append(booking)
    return [
        {"office": office["office"], "days": sorted(office["days"].items())}
        for office in by_office.values()
    ]


# --- The CSV export -------------------------------------------------------------

EXPORT_COLUMNS = [
    "reference",
    "received",
    "location",
    "language",
    "status",
    "status_changed",
    "urgent_answer",
    "urgent_not_reached",
    "first_reached",
    "contact_attempts",
    "assigned_to",
    "requested_mode",
    "appointment",
    "booked_mode",
    "booked_by_patient",
    "screening",
    "overdue",
]


def booking_export_rows(queryset):
    """The CSV header, then one row per request of `queryset` (from the admin list)."""

    def when(value):
        return timezone.localtime(value).isoformat(timespec="minutes") if value else ""

    yield EXPORT_COLUMNS
    for booking in queryset.iterator(chunk_size=2000):
        scheduled = booking.status == Booking.Status.SCHEDULED
        yield [
            booking.reference,
            when(booking.created_at),
            booking.location.name,
            booking.get_language_display(),
            booking.get_status_display(),
            when(booking.status_changed_at),
            "yes" if booking.urgent else "no",
            "yes" if booking.urgent_unreached else "no",
            when(booking.reached_at),
            booking.attempt_count,
            booking.assigned_to.get_username() if booking.assigned_to else "",
            booking.get_meeting_display(),
            when(booking.scheduled_for) if scheduled else "",
            booking.get_scheduled_meeting_display() if scheduled else "",
            ("yes" if booking.scheduled_by_patient else "no") if scheduled else "",
            "meets stated criteria" if booking.meets_stated_criteria else "needs review",
            "yes" if booking.is_overdue else "no",
        ]


def assignable_staff(*, location: Location):
    """Active staff who work on this office's requests: its own front desk and the managers."""
    all_offices = Q(groups__permissions__codename=ALL_LOCATIONS_PERMISSION) | Q(
        user_permissions__codename=ALL_LOCATIONS_PERMISSION
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(staff_profile__locations=location) | all_offices)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )

"""Reads: the triage console's summaries and the public list of offices."""

import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.db.models import Count, Q
from django.utils import timezone

from booking.models import OPEN_STATUSES, Booking, ClinicClosure, Location

# How far back closed days are looked up: far more than any run of them.
CLOSURE_LOOKBACK_DAYS = 60

# The last list of offices read from the database, kept in the shared cache.
DIRECTORY_KEY = "booking:location-directory"
DIRECTORY_FIELDS = (
    "name",
    "slug",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "phone",
    "hours",
)


def location_directory() -> list[Location]:
    """The offices patients can visit, for the pages and their footer.

    Every read leaves a copy in the shared cache. While the database cannot
    be reached, that copy is used instead, so pages (and the outage page)
    still tell people where and how to reach the clinic.
    """
    try:
        rows = list(Location.objects.active().values(*DIRECTORY_FIELDS))
    except (OperationalError, InterfaceError):
        return location_directory_last_known()
    cache.set(DIRECTORY_KEY, rows, timeout=None)
    return [Location(**row) for row in rows]


def location_directory_last_known() -> list[Location]:
    """The copy of the directory last read from the database; no query."""
    return [Location(**row) for row in cache.get(DIRECTORY_KEY, [])]


def overdue_cutoff(*, now: datetime.datetime | None = None) -> datetime.datetime:
    """The moment BOOKING_OVERDUE_BUSINESS_HOURS business hours before now.

    A request still New that arrived before it is overdue. Business hours
    are weekdays between BOOKING_BUSINESS_HOURS, local time, except the days
    staff have entered as closed (ClinicClosure).
    """
    start_hour, end_hour = settings.BOOKING_BUSINESS_HOURS
    moment = timezone.localtime(now or timezone.now())
    remaining = datetime.timedelta(hours=settings.BOOKING_OVERDUE_BUSINESS_HOURS)
    day = moment.date()
    closed = set(
        ClinicClosure.objects.filter(
            date__range=(day - datetime.timedelta(days=CLOSURE_LOOKBACK_DAYS), day)
        ).values_list("date", flat=True)
    )
    while True:
        tz = moment.tzinfo
        opens = timezone.make_aware(datetime.datetime.combine(day, datetime.time(start_hour)), tz)
        closes = timezone.make_aware(datetime.datetime.combine(day, datetime.time(end_hour)), tz)
        if day.weekday() < 5 and day not in closed and moment > opens:
            end = min(moment, closes)
            if end - opens >= remaining:
                return end - remaining
            remaining -= end - opens
        day -= datetime.timedelta(days=1)
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59)), tz)


def location_summary(
    *, user, now: datetime.datetime | None = None, overdue_before: datetime.datetime | None = None
) -> list[dict]:
    """Per location the user can see: new, urgent, overdue, scheduled this week.

    `overdue_before` is overdue_cutoff(now=now), for a caller that has it already.
    """
    now = now or timezone.now()
    overdue_before = overdue_before or overdue_cutoff(now=now)
    today = timezone.localdate(now)
    week_start = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=today.weekday()), datetime.time())
    )
    week_end = week_start + datetime.timedelta(days=7)
    open_ = Q(status__in=OPEN_STATUSES)
    return list(
        Booking.objects.visible_to(user)
        .filter(open_)
        .values("location__name")
        .annotate(
            new=Count("pk", filter=Q(status=Booking.Status.NEW)),
            urgent=Count("pk", filter=Q(urgent=True)),
            overdue=Count(
                "pk",
                filter=Q(status=Booking.Status.NEW, created_at__lt=overdue_before),
            ),
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

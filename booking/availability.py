"""Which consultation times a patient may pick at an office. Reads only.

Times are made in the office's wall-clock time (settings.TIME_ZONE) and
stored in UTC. On the day the clocks go forward the skipped hour is never
offered; on the day they go back, a time that happens twice is offered once,
the first time it happens.
"""

import bisect
import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from booking.models import Appointment, Availability, ClinicClosure, Location

UTC = datetime.UTC
# With no notice in days, a time is still at least this far ahead.
MIN_LEAD = datetime.timedelta(hours=1)
# Days with open times shown at first; "Show later days" adds as many again.
DAYS_SHOWN = 3
MAX_DAYS_SHOWN = 30
# The longest an appointment plus its buffer can reach back (both ≤ 240 minutes).
REACH = datetime.timedelta(minutes=480)


def office_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class OpenTime:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    seat: int

    @property
    def local(self) -> datetime.datetime:
        return timezone.localtime(self.starts_at)

    @property
    def value(self) -> str:
        """What the form posts: the start in UTC, to the minute."""
        return time_value(self.starts_at)


@dataclass(frozen=True)
class OpenDay:
    day: datetime.date
    times: list[OpenTime]


def time_value(moment: datetime.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def parse_time_value(value: str) -> datetime.datetime | None:
    """The start a form posted, or None if it is not one of ours."""
    if not isinstance(value, str) or len(value) != 17 or not value.endswith("Z"):
        return None
    try:
        moment = parse_datetime(value[:-1] + "+00:00")
    except ValueError:
        return None
    return moment


def wall_instant(day: datetime.date, wall: datetime.time) -> datetime.datetime | None:
    """The UTC instant of a wall-clock time at the office; None if the clocks skip it."""
    naive = datetime.datetime.combine(day, wall)
    aware = naive.replace(tzinfo=office_zone())  # fold=0: the first of a repeated time
    if aware.astimezone(UTC).astimezone(office_zone()).replace(tzinfo=None) != naive:
        return None
    return aware.astimezone(UTC)


@dataclass
class OfficeCalendar:
    """One office's online-booking rules, closed days and booked times over a range."""

    availability: Availability
    windows: dict[int, list[tuple[datetime.time, datetime.time]]]
    closed: set[datetime.date]
    booked: list[tuple[datetime.datetime, datetime.datetime, int]]  # sorted by start
    _starts: list[datetime.datetime]

    @property
    def buffer(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.availability.buffer_minutes)

    def is_open_day(self, day: datetime.date) -> bool:
        return day.weekday() in self.windows and day not in self.closed

    def bookable_days(self, now: datetime.datetime) -> tuple[datetime.date, datetime.date]:
        """The first and last day patients may book on, from `now`."""
        today = timezone.localdate(now)
        last = today + datetime.timedelta(days=self.availability.horizon_days)
        day, open_days_seen = today, 0
        while open_days_seen < self.availability.notice_days and day < last:
            day += datetime.timedelta(days=1)
            if self.is_open_day(day):
                open_days_seen += 1
        return day, last

    def candidates(self, day: datetime.date, minutes: int):
        """Every start the windows allow on `day`, free or not, as (start, end) in UTC."""
        if not self.is_open_day(day):
            return
        length = datetime.timedelta(minutes=minutes)
        step = length + self.buffer
        for starts, ends in self.windows[day.weekday()]:
            wall = datetime.datetime.combine(day, starts)
            last = datetime.datetime.combine(day, ends)
            window_end = last.replace(tzinfo=office_zone()).astimezone(UTC)
            while wall + length <= last:
                start = wall_instant(day, wall.time())
                if start is not None and start + length <= window_end:
                    yield start, start + length
                wall += step

    def free_seat(self, start: datetime.datetime, end: datetime.datetime) -> int | None:
        """The lowest seat free from `start` to `end` (buffer included), or None."""
        low = bisect.bisect_left(self._starts, start - REACH)
        high = bisect.bisect_left(self._starts, end + self.buffer)
        busy = [
            seat
            for booked_start, booked_end, seat in self.booked[low:high]
            if booked_end + self.buffer > start
        ]
        if len(busy) >= self.availability.seats:
            return None
        return next(seat for seat in range(self.availability.seats) if seat not in busy)

    def open_times(self, day: datetime.date, minutes: int, now: datetime.datetime):
        earliest = now + MIN_LEAD
        for start, end in self.candidates(day, minutes):
            if start >= earliest:
                seat = self.free_seat(start, end)
                if seat is not None:
                    yield OpenTime(start, end, seat)

    @property
    def kinds(self) -> list[str]:
        """The kinds of consultation patients can book here (none without windows)."""
        return self.availability.kinds if self.windows else []

    def open_days(
        self,
        meeting: str,
        now: datetime.datetime,
        *,
        days: int = DAYS_SHOWN,
        from_day: datetime.date | None = None,
    ) -> list[OpenDay]:
        """The first `days` days with open times (from `from_day`, if later than the notice)."""
        minutes = self.availability.minutes_for(meeting)
        if not minutes:
            return []
        day, last = self.bookable_days(now)
        if from_day is not None:
            day = max(day, from_day)
        found = []
        while day <= last and len(found) < days:
            times = list(self.open_times(day, minutes, now))
            if times:
                found.append(OpenDay(day, times))
            day += datetime.timedelta(days=1)
        return found

    def lookup(
        self, meeting: str, starts_at: datetime.datetime, now: datetime.datetime
    ) -> tuple[bool, OpenTime | None]:
        """(whether the rules offer this start at all, the open time if a seat is free)."""
        minutes = self.availability.minutes_for(meeting)
        if not minutes or starts_at < now + MIN_LEAD:
            return False, None
        day = timezone.localdate(starts_at)
        first, last = self.bookable_days(now)
        if not first <= day <= last:
            return False, None
        for start, end in self.candidates(day, minutes):
            if start == starts_at:
                seat = self.free_seat(start, end)
                return True, None if seat is None else OpenTime(start, end, seat)
        return False, None

    def next_times(
        self, meeting: str, now: datetime.datetime, *, after: datetime.datetime, count: int = 3
    ) -> list[OpenTime]:
        """The `count` open times soonest after `after` (the earliest ones if none are)."""
        later = []
        for day in self.open_days(meeting, now, days=count, from_day=timezone.localdate(after)):
            later.extend(t for t in day.times if t.starts_at > after)
            if len(later) >= count:
                break
        if not later:
            later = [t for day in self.open_days(meeting, now, days=1) for t in day.times]
        return later[:count]


def office_calendar(
    location: Location, *, first: datetime.date, last: datetime.date | None = None
) -> OfficeCalendar | None:
    """The office's calendar from `first` to `last` (local days; by default as far
    ahead as patients may book); None if it takes no online bookings.

    Four queries, however many appointments there are.
    """
    availability = Availability.objects.filter(location=location, is_active=True).first()
    if availability is None:
        return None
    windows: dict[int, list] = {}
    for weekday, starts, ends in location.availability_windows.values_list(
        "weekday", "starts", "ends"
    ).order_by("weekday", "starts"):
        windows.setdefault(weekday, []).append((starts, ends))
    if last is None:
        last = first + datetime.timedelta(days=availability.horizon_days)
    closed = set(
        ClinicClosure.objects.filter(date__range=(first, last))
        .filter(Q(location__isnull=True) | Q(location=location))
        .values_list("date", flat=True)
    )
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time())) - REACH
    end = timezone.make_aware(datetime.datetime.combine(last, datetime.time.max)) + REACH
    booked = list(
        Appointment.objects.filter(
            location=location,
            state=Appointment.State.BOOKED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .order_by("starts_at")
        .values_list("starts_at", "ends_at", "seat")
    )
    return OfficeCalendar(availability, windows, closed, booked, [row[0] for row in booked])


def offered_kinds(location: Location) -> list[str]:
    """The kinds of consultation patients can book online at this office (empty: none)."""
    availability = Availability.objects.filter(location=location, is_active=True).first()
    if availability is None or not location.availability_windows.exists():
        return []
    return availability.kinds


def open_days(
    location: Location,
    meeting: str,
    *,
    days: int = DAYS_SHOWN,
    now: datetime.datetime | None = None,
) -> list[OpenDay]:
    """The first `days` days with open times for this kind of consultation."""
    now = now or timezone.now()
    calendar = office_calendar(location, first=timezone.localdate(now))
    return calendar.open_days(meeting, now, days=days) if calendar else []


def staff_seat(
    location: Location, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> int | None:
    """The seat for an appointment staff book; None if every seat is taken.

    An office that takes online bookings has as many seats as its rules say,
    with their buffer; any other office as many as staff book.
    """
    day = timezone.localdate(starts_at)
    calendar = office_calendar(location, first=day, last=day)
    if calendar is not None:
        return calendar.free_seat(starts_at, ends_at)
    busy = set(
        Appointment.objects.filter(
            location=location,
            state=Appointment.State.BOOKED,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        ).values_list("seat", flat=True)
    )
    return next(seat for seat in range(len(busy) + 1) if seat not in busy)


def appointment_minutes(location: Location, meeting: str) -> int:
    availability = Availability.objects.filter(location=location).first()
    minutes = availability.minutes_for(meeting) if availability else None
    return minutes or settings.BOOKING_APPOINTMENT_MINUTES

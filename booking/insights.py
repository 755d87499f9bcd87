"""The clinic manager's figures: how fast we reach people, how many ask, what becomes of them.

Aggregates only: nothing here names a patient or says what they answered.
Anonymised requests count like any other (their dates, office and status
stay). Every figure comes from the database in a fixed number of queries,
however many requests there are.

Percentiles are nearest-rank: the 90th percentile is the longest wait among
the quickest 90 in 100 requests, an actual wait someone had.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Value
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models import OPEN_STATUSES, Booking, HeardAbout, Location

DEFAULT_WEEKS = 12
MAX_WEEKS = 52
# (percentile, numerator, denominator): ceil(n × p) in whole numbers, the same in SQL.
PERCENTILES = [(50, 1, 2), (90, 9, 10)]
WAITS = {
    "first_attempt": _("First contact attempt"),
    "reached": _("Patient first reached"),
}


@dataclass(frozen=True)
class Period:
    """Whole weeks, Monday to Sunday, office time."""

    start: datetime.date  # a Monday
    weeks: int

    @property
    def end(self) -> datetime.date:
        """The Monday after the last week."""
        return self.start + datetime.timedelta(weeks=self.weeks)

    @property
    def mondays(self) -> list[datetime.date]:
        return [self.start + datetime.timedelta(weeks=n) for n in range(self.weeks)]

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        return tuple(
            timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
            for day in (self.start, self.end)
        )


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def period_ending(day: datetime.date, weeks: int = DEFAULT_WEEKS) -> Period:
    """`weeks` whole weeks up to and including the week of `day`."""
    return Period(monday_of(day) - datetime.timedelta(weeks=weeks - 1), weeks)


@dataclass
class Wait:
    """One kind of wait (to the first attempt, or until reached), for urgent or other requests."""

    count: int = 0
    business: dict[int, int] = field(default_factory=dict)  # percentile → minutes
    clock: dict[int, int] = field(default_factory=dict)


@dataclass
class Insights:
    period: Period
    offices: list[Location]
    office: Location | None  # None: every office together
    waits: dict[bool, dict[str, Wait]]  # urgent → wait kind → figures
    outcomes: dict[str, int]
    weekly: list[dict]  # per week: {"monday", "counts": {office pk: n}, "total"}
    heard_about: list[tuple[str, int]]

    @property
    def received(self) -> int:
        return self.outcomes["received"]


def requests_in(period: Period, office: Location | None):
    start, end = period.bounds()
    requests = Booking.objects.filter(created_at__gte=start, created_at__lt=end)
    return requests.filter(location=office) if office else requests


def insights(*, period: Period, office: Location | None = None) -> Insights:
    offices = list(Location.objects.order_by("display_order", "name"))
    requests = requests_in(period, office).order_by()
    outcomes, weekly, heard_about = _counts(
        requests, period, [o for o in offices if office in (None, o)]
    )
    return Insights(
        period=period,
        offices=offices,
        office=office,
        waits=_waits(requests),
        outcomes=outcomes,
        weekly=weekly,
        heard_about=heard_about,
    )


def nearest_rank(counts: list[tuple[int, int]], numerator: int, denominator: int) -> int:
    """The value at rank ceil(n × p) of (value, how many) pairs sorted by value."""
    total = sum(n for _value, n in counts)
    rank = (total * numerator + denominator - 1) // denominator
    seen = 0
    for value, n in counts:
        seen += n
        if seen >= rank:
            return value
    raise ValueError("no values")


def _waits(requests) -> dict[bool, dict[str, Wait]]:
    """Median and 90th percentile of each wait, urgent and other requests apart.

    One query, the four measures' histograms joined by UNION ALL: how many
    requests waited each number of minutes, a few thousand rows at most
    however many requests there are; the ranks are then counted off in
    Python. (The union's own ordering is cleared: Booking's default
    ordering names a column the histograms do not select.)
    """
    columns = [
        (kind, scale, f"{kind}_business_minutes" if scale == "business" else f"{kind}_minutes")
        for kind in WAITS
        for scale in ("business", "clock")
    ]
    histograms = [
        requests.filter(**{f"{column}__isnull": False})
        .annotate(measure=Value(index), minutes=F(column))
        .values("measure", "urgent", "minutes")
        .annotate(n=Count("pk"))
        .values_list("measure", "urgent", "minutes", "n")
        .order_by()
        for index, (_kind, _scale, column) in enumerate(columns)
    ]
    counts: dict[tuple[int, bool], list[tuple[int, int]]] = {}
    for measure, urgent, minutes, n in histograms[0].union(*histograms[1:], all=True).order_by():
        counts.setdefault((measure, bool(urgent)), []).append((minutes, n))
    waits = {urgent: {kind: Wait() for kind in WAITS} for urgent in (True, False)}
    for (measure, urgent), values in counts.items():
        kind, scale, _column = columns[measure]
        values.sort()
        wait = waits[urgent][kind]
        wait.count = sum(n for _minutes, n in values)
        for percentile, numerator, denominator in PERCENTILES:
            getattr(wait, scale)[percentile] = nearest_rank(values, numerator, denominator)
    return waits


def _counts(requests, period: Period, offices: list[Location]):
    """Outcomes, weekly volume and how people heard, from one pass grouped by week and office."""
    S = Booking.Status
    promised = [o for o in offices if o.response_business_hours]
    kept = Q(pk__in=[])
    for office in promised:
        kept |= Q(
            location=office, reached_business_minutes__lte=office.response_business_hours * 60
        )
    outcome_filters = {
        "received": Q(),
        "urgent": Q(urgent=True),
        "attempted": Q(first_attempt_at__isnull=False),
        "reached": Q(reached_at__isnull=False),
        "scheduled": Q(scheduled_for__isnull=False),
        "booked_by_patient": Q(scheduled_by_patient=True),
        "seen": Q(status=S.CLOSED),
        "not_suitable": Q(status=S.NOT_SUITABLE),
        "referred": Q(status=S.REFERRED),
        "no_response": Q(status=S.NO_RESPONSE),
        "still_open": Q(status__in=OPEN_STATUSES),
        "promised": Q(location__in=promised),
        "promise_kept": kept,
    }
    heard = [*HeardAbout.values, ""]
    rows = (
        requests.annotate(week=TruncWeek("created_at"))
        .values("week", "location_id")
        .annotate(
            **{name: Count("pk", filter=q) for name, q in outcome_filters.items()},
            **{f"heard_{n}": Count("pk", filter=Q(heard_about=v)) for n, v in enumerate(heard)},
        )
    )
    outcomes = dict.fromkeys(outcome_filters, 0)
    heard_counts = [0] * len(heard)
    by_week = {monday: {} for monday in period.mondays}
    for row in rows:
        for name in outcome_filters:
            outcomes[name] += row[name]
        for n in range(len(heard)):
            heard_counts[n] += row[f"heard_{n}"]
        week = row["week"]
        monday = week.date() if isinstance(week, datetime.datetime) else week
        by_week.setdefault(monday, {})[row["location_id"]] = row["received"]
    weekly = [
        {"monday": monday, "counts": counts, "total": sum(counts.values())}
        for monday, counts in sorted(by_week.items())
    ]
    labels = [str(label) for label in HeardAbout.labels] + [str(_("Not answered"))]
    return outcomes, weekly, list(zip(labels, heard_counts, strict=True))


# --- As the page and the download show them ------------------------------------------------


def funnel_rows(figures: Insights) -> list[tuple[str, int]]:
    o = figures.outcomes
    return [
        (str(_("Received")), o["received"]),
        (str(_("Contact attempted")), o["attempted"]),
        (str(_("Reached by us")), o["reached"]),
        (str(_("Given an appointment")), o["scheduled"]),
        (str(_("Seen (closed)")), o["seen"]),
        (str(_("Not suitable")), o["not_suitable"]),
        (str(_("Referred elsewhere")), o["referred"]),
        (str(_("No response")), o["no_response"]),
        (str(_("Still open")), o["still_open"]),
    ]


def shown_offices(figures: Insights) -> list[Location]:
    return [office for office in figures.offices if figures.office in (None, office)]


def csv_rows(figures: Insights) -> list[list]:
    """The page's figures as rows: section, what, office or group, value. Aggregates only."""
    scope = figures.office.name if figures.office else "All offices"
    rows = [["section", "figure", "group", "value"]]
    for urgent in (True, False):
        group = "urgent" if urgent else "other"
        for kind, wait in figures.waits[urgent].items():
            rows.append(["wait", f"{kind} requests", group, wait.count])
            for scale in ("business", "clock"):
                for percentile, minutes in sorted(getattr(wait, scale).items()):
                    rows.append(["wait", f"{kind} p{percentile} {scale} minutes", group, minutes])
    rows.append(
        ["promise", "requests at offices with a promise", scope, figures.outcomes["promised"]]
    )
    rows.append(["promise", "reached within the promise", scope, figures.outcomes["promise_kept"]])
    for week in figures.weekly:
        for office in shown_offices(figures):
            rows.append(
                [
                    "volume",
                    week["monday"].isoformat(),
                    office.name,
                    week["counts"].get(office.pk, 0),
                ]
            )
    rows.extend(["heard about", label, scope, n] for label, n in figures.heard_about)
    rows.extend(["outcome", label, scope, n] for label, n in funnel_rows(figures))
    return rows

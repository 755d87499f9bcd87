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

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber, TruncWeek
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
    requests = requests_in(period, office)
    return Insights(
        period=period,
        offices=offices,
        office=office,
        waits=_waits(requests),
        outcomes=_outcomes(requests, [o for o in offices if office in (None, o)]),
        weekly=_weekly(requests, period),
        heard_about=_heard_about(requests),
    )


def _waits(requests) -> dict[bool, dict[str, Wait]]:
    """Median and 90th percentile of each wait, urgent and other requests apart: one
    query per measure, each ranking the requests once (a window function)."""
    waits = {urgent: {kind: Wait() for kind in WAITS} for urgent in (True, False)}
    for kind in WAITS:
        for scale, column in (
            ("business", f"{kind}_business_minutes"),
            ("clock", f"{kind}_minutes"),
        ):
            by_urgency = {"partition_by": [F("urgent")]}
            ranked = (
                requests.filter(**{f"{column}__isnull": False})
                .annotate(
                    position=Window(
                        RowNumber(), order_by=[F(column).asc(), F("pk").asc()], **by_urgency
                    ),
                    total=Window(Count("pk"), **by_urgency),
                )
                .filter(
                    Q(position=(F("total") * 1 + 1) / 2) | Q(position=(F("total") * 9 + 9) / 10)
                )
                .values_list("urgent", "position", "total", column)
            )
            for urgent, position, total, minutes in ranked:
                wait = waits[urgent][kind]
                wait.count = total
                for percentile, numerator, denominator in PERCENTILES:
                    if position == (total * numerator + denominator - 1) // denominator:
                        getattr(wait, scale)[percentile] = minutes
    return waits


def _outcomes(requests, offices: list[Location]) -> dict[str, int]:
    """What became of the requests received in the period, and the response promise kept."""
    S = Booking.Status
    promised = [o for o in offices if o.response_business_hours]
    kept = Q(pk__in=[])
    for office in promised:
        kept |= Q(
            location=office, reached_business_minutes__lte=office.response_business_hours * 60
        )
    return requests.aggregate(
        received=Count("pk"),
        urgent=Count("pk", filter=Q(urgent=True)),
        attempted=Count("pk", filter=Q(first_attempt_at__isnull=False)),
        reached=Count("pk", filter=Q(reached_at__isnull=False)),
        scheduled=Count("pk", filter=Q(scheduled_for__isnull=False)),
        booked_by_patient=Count("pk", filter=Q(scheduled_by_patient=True)),
        seen=Count("pk", filter=Q(status=S.CLOSED)),
        not_suitable=Count("pk", filter=Q(status=S.NOT_SUITABLE)),
        referred=Count("pk", filter=Q(status=S.REFERRED)),
        no_response=Count("pk", filter=Q(status=S.NO_RESPONSE)),
        still_open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        promised=Count("pk", filter=Q(location__in=promised)),
        promise_kept=Count("pk", filter=kept),
    )


def _weekly(requests, period: Period) -> list[dict]:
    counts = (
        requests.annotate(week=TruncWeek("created_at"))
        .values_list("week", "location_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_week = {monday: {} for monday in period.mondays}
    for week, office_id, n in counts:
        monday = week.date() if isinstance(week, datetime.datetime) else week
        by_week.setdefault(monday, {})[office_id] = n
    return [
        {"monday": monday, "counts": counts, "total": sum(counts.values())}
        for monday, counts in sorted(by_week.items())
    ]


def _heard_about(requests) -> list[tuple[str, int]]:
    counts = dict(requests.values_list("heard_about").annotate(n=Count("pk")).order_by())
    labels = [(value, str(label)) for value, label in HeardAbout.choices] + [
        ("", str(_("Not answered")))
    ]
    return [(label, counts.get(value, 0)) for value, label in labels]


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

"""Bar charts as numbers for SVG templates: no JavaScript, no styles, within the CSP.

Each chart is drawn in a 360-wide viewBox that scales to the page, so its
labels stay readable from a phone (390 px) to a desktop.
"""

import math
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

WIDTH = 360
# Non-text contrast of at least 3:1 against white (WCAG 1.4.11), and told
# apart by more than colour: the legend and the table name every series.
COLOURS = ["#0b5563", "#b45309", "#5b3f8c"]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str = ""
    value_text: str = ""


def _nice_top(largest: float) -> int:
    """A round number at or above the largest value, for the axis."""
    if largest <= 5:
        return 5
    magnitude = 10 ** math.floor(math.log10(largest))
    for step in (1, 2, 2.5, 5, 10):
        if largest <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


def weekly_columns(weekly: list[dict], offices) -> dict:
    """Columns per week, one per office side by side."""
    left, right, top, bottom, plot_height = 30, 6, 12, 22, 130
    plot_width = WIDTH - left - right
    largest = max([n for week in weekly for n in week["counts"].values()] + [0])
    axis_top = _nice_top(largest)
    group = plot_width / max(len(weekly), 1)
    bar_width = group * 0.8 / max(len(offices), 1)
    bars, labels = [], []
    every = math.ceil(len(weekly) / 6)
    for i, week in enumerate(weekly):
        for j, office in enumerate(offices):
            n = week["counts"].get(office.pk, 0)
            height = plot_height * n / axis_top
            bars.append(
                Bar(
                    x=round(left + i * group + group * 0.1 + j * bar_width, 1),
                    y=round(top + plot_height - height, 1),
                    width=round(bar_width, 1),
                    height=round(height, 1),
                    colour=COLOURS[j % len(COLOURS)],
                )
            )
        if i % every == 0:
            labels.append(
                {
                    "x": round(left + (i + 0.5) * group, 1),
                    "text": date_format(week["monday"], "j M"),
                }
            )
    return {
        "width": WIDTH,
        "height": top + plot_height + bottom,
        "bars": bars,
        "labels": labels,
        "label_y": top + plot_height + 15,
        "axis": {"x": left - 4, "top": axis_top, "top_y": top + 4, "zero_y": top + plot_height},
        "baseline": {"x1": left, "x2": WIDTH - right, "y": top + plot_height},
        "legend": [(office.name, COLOURS[j % len(COLOURS)]) for j, office in enumerate(offices)],
    }


def horizontal_bars(rows: list[tuple[str, float, str]]) -> dict:
    """One bar per row: (label, value, the value as text), label above its bar."""
    row_height, bar_height, max_bar = 38, 14, WIDTH - 110
    largest = max([value for _label, value, _text in rows] + [0]) or 1
    bars = []
    for i, (label, value, text) in enumerate(rows):
        width = max_bar * value / largest
        y = i * row_height
        bars.append(
            Bar(
                x=0,
                y=y + 18,
                width=round(max(width, 1 if value else 0), 1),
                height=bar_height,
                colour=COLOURS[0],
                label=label,
                value_text=text,
            )
        )
    return {"width": WIDTH, "height": len(rows) * row_height, "bars": bars}


def duration(minutes: int | None) -> str:
    """'45 min', '2 h 5 min', '3 days 4 h': a wait in words."""
    if minutes is None:
        return "—"
    days, rest = divmod(int(minutes), 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": mins}
    return _("%(minutes)d min") % {"minutes": mins}

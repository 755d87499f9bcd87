from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def reachable(locations) -> bool:
    """Whether any office has a phone number or email on the site yet.

    Until one does, pages must not say "contact us" without saying how.
    """
    return any(location.phone or location.public_email for location in locations)


@register.filter
def clock(moment) -> str:
    """'10:30 am': how people write a time, in the office's time zone."""
    local = timezone.localtime(moment)
    half = pgettext("time of day", "am") if local.hour < 12 else pgettext("time of day", "pm")
    return f"{local.hour % 12 or 12}:{local.minute:02d} {half}"


@register.filter
def day_label(moment) -> str:
    """'Tuesday 9 December' for a date or a time (in the office's time zone)."""
    day = timezone.localtime(moment).date() if hasattr(moment, "hour") else moment
    return date_format(day, pgettext("date format for a day", "l j F"))


@register.filter
def duration(minutes) -> str:
    """A wait in minutes, in words: '45 min', '2 h 5 min', '3 d 4 h'."""
    from booking.charts import duration as in_words

    return in_words(minutes)


@register.filter
def share(part, whole) -> str:
    """'78%' of a whole; '—' when there is nothing to divide."""
    return f"{round(100 * part / whole)}%" if whole else "—"


@register.filter
def get_item(mapping, key):
    return mapping.get(key)

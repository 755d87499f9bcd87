"""Calendar files for appointment confirmations.

Calendar entries are seen by anyone who looks at the patient's phone or
shared calendar: they name the office and the time, never the clinic's
speciality or anything about the patient's health.
"""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from icalendar import Calendar, Event

from booking.models import Booking, Meeting

SUMMARIES = {
    Meeting.IN_PERSON: gettext_lazy("Appointment — %(location)s office"),
    Meeting.VIDEO: gettext_lazy("Video appointment — %(location)s office"),
    Meeting.PHONE: gettext_lazy("Phone appointment — %(location)s office"),
}
DETAILS = {
    Meeting.IN_PERSON: gettext_lazy("Please arrive a few minutes early."),
    Meeting.VIDEO: gettext_lazy("We will send you the video link before the appointment."),
    Meeting.PHONE: gettext_lazy("We will call you on the number you gave us."),
}


def ics_filename() -> str:
    """The calendar file's name, in the language the patient reads ("cita.ics")."""
    return pgettext("file name", "appointment.ics")


def appointment_ics(
    *,
    booking: Booking,
    sequence: int = 0,
    cancelled: bool = False,
    ends_at: datetime.datetime | None = None,
) -> str:
    location = booking.location
    start = booking.scheduled_for
    if ends_at is None:
        ends_at = start + datetime.timedelta(minutes=settings.BOOKING_APPOINTMENT_MINUTES)
    event = Event()
    event.add("uid", f"{booking.reference}@{urlsplit(settings.SITE_URL).hostname}")
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    event.add("dtend", ends_at)
    event.add("summary", SUMMARIES[booking.scheduled_meeting] % {"location": location.name})
    lines = [_("Reference: %(reference)s") % {"reference": booking.reference}]
    if cancelled:
        event.add("status", "CANCELLED")
        lines.append(_("This appointment is cancelled."))
    elif booking.scheduled_meeting == Meeting.VIDEO and booking.video_link:
        event.add("url", booking.video_link)
        lines.append(_("Join the video call: %(link)s") % {"link": booking.video_link})
    else:
        lines.append(str(DETAILS[booking.scheduled_meeting]))
    if location.phone:
        lines.append(
            _("To change the appointment, call %(phone)s.") % {"phone": location.phone_display}
        )
    elif location.public_email:
        lines.append(
            _("To change the appointment, email %(email)s.") % {"email": location.public_email}
        )
    if booking.scheduled_meeting == Meeting.IN_PERSON:
        event.add("location", location.full_address)
    event.add("description", "\n".join(lines))
    calendar = Calendar()
    calendar.add("prodid", "-//Clinic staff//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical().decode()

"""Calendar files for appointment confirmations.

Calendar entries are seen by anyone who looks at the patient's phone or
shared calendar: they name the office and the time, never the clinic's
speciality or anything about the patient's health.
"""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from booking.models import Booking, Meeting

SUMMARIES = {
    Meeting.IN_PERSON: "Appointment — {location} office",
    Meeting.VIDEO: "Video appointment — {location} office",
    Meeting.PHONE: "Phone appointment — {location} office",
}
DETAILS = {
    Meeting.IN_PERSON: "Please arrive a few minutes early.",
    Meeting.VIDEO: "We will send you the video link before the appointment.",
    Meeting.PHONE: "We will call you on the number you gave us.",
}


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
    event.add("summary", SUMMARIES[booking.scheduled_meeting].format(location=location.name))
    if cancelled:
        event.add("status", "CANCELLED")
        lines = [f"Reference: {booking.reference}", "This appointment is cancelled."]
    elif booking.scheduled_meeting == Meeting.VIDEO and booking.video_link:
        event.add("url", booking.video_link)
        lines = [f"Reference: {booking.reference}", f"Join the video call: {booking.video_link}"]
    else:
        lines = [f"Reference: {booking.reference}", DETAILS[booking.scheduled_meeting]]
    if location.phone:
        lines.append(f"To change the appointment, call {location.phone_display}.")
    elif location.public_email:
        lines.append(f"To change the appointment, email {location.public_email}.")
    if booking.scheduled_meeting == Meeting.IN_PERSON:
        event.add("location", location.full_address)
    event.add("description", "\n".join(lines))
    calendar = Calendar()
    calendar.add("prodid", "-//Clinic staff//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical().decode()

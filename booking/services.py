"""Every write to bookings and notifications happens here."""

import datetime
import logging
import secrets
import uuid
from functools import partial
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from booking import availability
from booking.calendar import appointment_ics, ics_filename
from booking.manage_links import first_token, manage_url, new_manage_key, token_hash
from booking.models import (
    ADULT_AGE,
    CLOSED_STATUSES,
    EARLIEST_DATE_OF_BIRTH,
    UNSUCCESSFUL_OUTCOMES,
    Appointment,
    Availability,
    AvailabilityWindow,
    Booking,
    BookingAccess,
    BookingExport,
    ContactAttempt,
    Location,
    Meeting,
    Notification,
    OpeningHours,
    TriageNote,
    age_on,
)
from booking.selectors import assignable_staff, office_business_minutes
from clinic_site.public_content import public_content_changed

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: references are read out over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
APPOINTMENT_KINDS = [Notification.Kind.PATIENT_SCHEDULED, Notification.Kind.PATIENT_CANCELLED]
# Seconds to wait before retry N (the last value repeats): about a day in all.
RETRY_DELAYS = [30, 60, 120, 300, 600, 1200, 1800, 3600]
MAX_ATTEMPTS = 30


def new_reference() -> str:
    return "KC-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def booking_create(*, submission_key: uuid.UUID, **fields) -> tuple[Booking, bool]:
    """Store a consultation request and queue its emails, once per submission key.

    Returns the booking and whether it was created now; a resubmitted form
    gets the booking its first submission created.
    """
    existing = Booking.objects.filter(submission_key=submission_key).first()
    if existing:
        return existing, False
    for _attempt in range(5):
        booking = Booking(submission_key=submission_key, reference=new_reference(), **fields)
        # The database enforces the check constraints; validating each one
        # here as well would cost a query apiece on every submission.
        booking.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                booking.save()
                kinds = [Notification.Kind.FRONT_DESK_NEW]
                if booking.email_ok:
                    kinds.append(Notification.Kind.PATIENT_RECEIVED)
                notifications = Notification.objects.bulk_create(
                    [Notification(booking=booking, kind=kind) for kind in kinds]
                )
                # The task queue is a table in this database: the request,
                # its notifications and their tasks are stored together, in
                # one commit, or not at all.
                for notification in notifications:
                    _enqueue(notification.pk)
        except IntegrityError:
            existing = Booking.objects.filter(submission_key=submission_key).first()
            if existing:
                return existing, False
            if not Booking.objects.filter(reference=booking.reference).exists():
                raise  # a broken constraint, not a reference collision
            continue
        logger.info("Booking %s received for %s", booking.reference, booking.location.slug)
        return booking, True
    raise RuntimeError("Could not allocate a unique booking reference")


def _enqueue(
    notification_id: int, *, delay: int = 0, run_after: datetime.datetime | None = None
) -> None:
    from booking.tasks import send_notification

    task = send_notification
    if delay:
        run_after = timezone.now() + datetime.timedelta(seconds=delay)
    if run_after is not None:
        task = task.using(run_after=run_after)
    task.enqueue(notification_id=notification_id)


def notifications_requeue_stalled(*, older_than: datetime.timedelta) -> int:
    """Queue again every notification that should have been sent long ago.

    A worker killed mid-task leaves its task marked running forever, and a
    crash between commit and enqueue leaves no task at all. Sending is
    idempotent (row lock and state check), so an extra task is harmless.
    """
    cutoff = timezone.now() - older_than
    stalled = list(
        Notification.objects.filter(state=Notification.State.QUEUED)
        .filter(
            Q(next_attempt_at__lt=cutoff) | Q(next_attempt_at__isnull=True, created_at__lt=cutoff)
        )
        .values_list("pk", flat=True)
    )
    for notification_id in stalled:
        _enqueue(notification_id)
    return len(stalled)


def notification_deliver(*, notification_id: int) -> Notification:
    """Send one queued notification; on a mail failure, schedule a retry with back-off."""
    with transaction.atomic():
        # The row lock keeps two workers from sending the same email.
        notification = (
            Notification.objects.select_for_update()
            .select_related("booking__location")
            .get(pk=notification_id)
        )
        if notification.state != Notification.State.QUEUED:
            return notification
        now = timezone.now()
        if notification.kind == Notification.Kind.PATIENT_REMINDER:
            unsendable = _reminder_unsendable(notification, now)
            if unsendable:
                notification.state = unsendable
                notification.next_attempt_at = None
                notification.save(update_fields=["state", "next_attempt_at"])
                return notification
        message = _build_message(notification)
        if message is None:
            notification.state = Notification.State.SKIPPED
            notification.save(update_fields=["state"])
            _log_if_urgent_and_undelivered(notification)
            return notification
        notification.attempts += 1
        try:
            message.send()
        except (SMTPException, OSError) as error:
            notification.last_error = type(error).__name__[:100]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.state = Notification.State.FAILED
                notification.next_attempt_at = None
            else:
                delay = RETRY_DELAYS[min(notification.attempts, len(RETRY_DELAYS)) - 1]
                notification.next_attempt_at = now + datetime.timedelta(seconds=delay)
                transaction.on_commit(partial(_enqueue, notification.pk, delay=delay))
            logger.warning(
                "Notification %s for %s failed (attempt %s): %s",
                notification.pk,
                notification.booking.reference,
                notification.attempts,
                notification.last_error,
            )
            _log_if_urgent_and_undelivered(notification)
        else:
            notification.state = Notification.State.SENT
            notification.sent_at = now
            notification.next_attempt_at = None
        notification.save(
            update_fields=["state", "attempts", "last_error", "next_attempt_at", "sent_at"]
        )
        return notification


def _log_if_urgent_and_undelivered(notification: Notification) -> None:
    """An urgent request nobody at the front desk was told about: whoever watches the
    logs must call. The reference and office only, never what the patient wrote."""
    booking = notification.booking
    if notification.kind != Notification.Kind.FRONT_DESK_NEW or not booking.urgent:
        return
    if notification.state == Notification.State.SKIPPED:
        why = "no front-desk email address"
    elif notification.state == Notification.State.FAILED:
        why = f"sending failed {notification.attempts} times"
    else:
        return
    logger.error(
        "URGENT request %s for %s: the front desk was not told (%s); call the patient now",
        booking.reference,
        booking.location.slug,
        why,
    )


@transaction.atomic
def notification_acknowledge(*, notification: Notification, by: AbstractBaseUser) -> Notification:
    """Record that someone saw an undelivered front-desk notice; it leaves the staff pages.

    Acknowledging twice keeps the first person and time.
    """
    notification = Notification.objects.select_for_update().get(pk=notification.pk)
    undelivered = notification.kind == Notification.Kind.FRONT_DESK_NEW and notification.state in (
        Notification.State.SKIPPED,
        Notification.State.FAILED,
    )
    if not undelivered:
        raise ValidationError(
            _("Only front-desk notices that could not be delivered are acknowledged."),
            code="not_undelivered",
        )
    if notification.acknowledged_at is None:
        notification.acknowledged_at = timezone.now()
        notification.acknowledged_by = by
        notification.save(update_fields=["acknowledged_at", "acknowledged_by"])
        logger.info("Notification %s acknowledged by user %s", notification.pk, by.pk)
    return notification


def _reminder_unsendable(notification: Notification, now: datetime.datetime) -> str | None:
    """Why a reminder must not go now (its new state), or None.

    Only for an appointment still booked, and only around its time: a worker
    that was down does not send yesterday's reminder an hour before.
    """
    appointment = notification.appointment
    if not appointment.is_booked:
        return Notification.State.SUPERSEDED
    too_late = notification.due_at + datetime.timedelta(
        minutes=settings.BOOKING_REMINDER_GRACE_MINUTES
    )
    if now > too_late or now >= appointment.starts_at:
        return Notification.State.TOO_LATE
    return None


def _build_message(notification: Notification) -> EmailMessage | None:
    # Patients read every email in the language they used on the site
    # (links included); the front desk reads English.
    language = (
        settings.LANGUAGE_CODE
        if notification.kind == Notification.Kind.FRONT_DESK_NEW
        else notification.booking.language
    )
    with translation.override(language):
        return _message(notification)


def _message(notification: Notification) -> EmailMessage | None:
    booking = notification.booking
    context = {
        "booking": booking,
        "location": booking.location,
        "home_url": settings.SITE_URL + reverse("pages:home"),  # in the patient's language
    }
    attachments = []
    appointment = notification.appointment
    if appointment is not None and appointment.is_booked:
        context["manage_url"] = manage_url(appointment, absolute=True)
    if notification.kind == Notification.Kind.PATIENT_RECEIVED:
        recipient = booking.email
        template = "booking/email/patient_received"
    elif notification.kind == Notification.Kind.PATIENT_REMINDER:
        if not booking.email_ok:
            return None
        recipient = booking.email
        template = "booking/email/patient_reminder"
        context["appointment"] = timezone.localtime(appointment.starts_at)
        context["meeting"] = appointment.meeting
    elif notification.kind in APPOINTMENT_KINDS:
        if not booking.email_ok or booking.scheduled_for is None:
            return None
        recipient = booking.email
        cancelled = notification.kind == Notification.Kind.PATIENT_CANCELLED
        template = (
            "booking/email/patient_cancelled" if cancelled else "booking/email/patient_scheduled"
        )
        context["appointment"] = timezone.localtime(booking.scheduled_for)
        # Calendar apps replace an earlier version of the same event when
        # its sequence number is higher: a rescheduled appointment moves and
        # a cancelled one disappears.
        sequence = booking.notifications.filter(
            kind__in=APPOINTMENT_KINDS, pk__lt=notification.pk
        ).count()
        context["rescheduled"] = sequence > 0
        attachments.append(
            (
                ics_filename(),
                appointment_ics(
                    booking=booking,
                    sequence=sequence,
                    cancelled=cancelled,
                    ends_at=appointment.ends_at if appointment else None,
                ),
                "text/calendar",
            )
        )
    else:
        recipient = booking.location.notification_email or settings.FRONT_DESK_FALLBACK_EMAIL
        template = "booking/email/front_desk_new"
        context["admin_url"] = settings.SITE_URL + reverse(
            "admin:booking_booking_change", args=[booking.pk]
        )
    if not recipient:
        return None
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    body = render_to_string(f"{template}.txt", context)
    return EmailMessage(subject=subject, body=body, to=[recipient], attachments=attachments)


# --- Offices -----------------------------------------------------------------


@transaction.atomic
def location_save(*, location: Location) -> Location:
    """Save an office's details; the public pages that show them are refreshed."""
    location.full_clean()
    location.save()
    public_content_changed()
    return location


@transaction.atomic
def opening_hours_set(
    *, location: Location, weekly: list[tuple[int, datetime.time, datetime.time]]
) -> list[OpeningHours]:
    """Replace an office's weekly hours: (weekday, opens, closes); a day left out is closed."""
    rows = [
        OpeningHours(location=location, weekday=day, opens=opens, closes=closes)
        for day, opens, closes in weekly
    ]
    for row in rows:
        row.full_clean(exclude=["location"], validate_unique=False)
    location.opening_hours.all().delete()
    OpeningHours.objects.bulk_create(rows)
    # The site shows the hours, and the overdue clock counts them.
    public_content_changed()
    return rows


@transaction.atomic
def availability_set(
    *, location: Location, windows: list[tuple[int, datetime.time, datetime.time]], **rules
) -> Availability:
    """Set an office's online booking rules and replace its weekly windows."""
    availability = Availability.objects.filter(location=location).first() or Availability(
        location=location
    )
    for name, value in rules.items():
        setattr(availability, name, value)
    availability.full_clean(exclude=["location"], validate_unique=False)
    availability.save()
    rows = [
        AvailabilityWindow(location=location, weekday=day, starts=starts, ends=ends)
        for day, starts, ends in windows
    ]
    for row in rows:
        row.full_clean(exclude=["location"], validate_unique=False)
    location.availability_windows.all().delete()
    AvailabilityWindow.objects.bulk_create(rows)
    return availability


# --- Triage ------------------------------------------------------------------

S = Booking.Status
# Where a request may go from each status. Closed statuses go nowhere.
TRANSITIONS: dict[str, list[str]] = {
    S.NEW: [S.CONTACTED, S.NOT_SUITABLE, S.REFERRED, S.NO_RESPONSE],
    # Contacted → Scheduled is booking_schedule(); Scheduled → Contacted is
    # booking_cancel_appointment().
    S.CONTACTED: [S.SCHEDULED, S.NOT_SUITABLE, S.REFERRED, S.NO_RESPONSE],
    # Scheduled → Scheduled is a new date and time (rescheduling).
    S.SCHEDULED: [S.SCHEDULED, S.CONTACTED, S.CLOSED, S.NOT_SUITABLE, S.REFERRED, S.NO_RESPONSE],
    S.CLOSED: [],
    S.NOT_SUITABLE: [],
    S.REFERRED: [],
    S.NO_RESPONSE: [],
}
NEEDS_REASON = [S.NOT_SUITABLE, S.REFERRED]
VIDEO_LINK_VALIDATOR = URLValidator(schemes=["https"])


def allowed_statuses(*, booking: Booking) -> list[str]:
    return TRANSITIONS[booking.status]


def unsuccessful_attempts(*, booking: Booking) -> int:
    return booking.contact_attempts.filter(outcome__in=UNSUCCESSFUL_OUTCOMES).count()


def booking_check_status_change(*, booking: Booking, to_status: str, reason: str = "") -> None:
    """Raise ValidationError with a message staff can act on if the change is not allowed."""
    current = S(booking.status)
    target = S(to_status)
    allowed = TRANSITIONS[current]
    if target not in allowed:
        if not allowed:
            message = _("%(ref)s is already closed (%(status)s); it cannot change any more.")
        elif current == S.NEW and target == S.SCHEDULED:
            message = _(
                "%(ref)s is New: log that you reached the patient (or mark it Contacted) "
                "before scheduling."
            )
        else:
            message = _(
                "%(ref)s is %(status)s and cannot be set to %(target)s. Allowed: %(allowed)s."
            )
        raise ValidationError(
            message,
            code="invalid_transition",
            params={
                "ref": booking.reference,
                "status": current.label,
                "target": target.label,
                "allowed": ", ".join(str(S(a).label) for a in allowed),
            },
        )
    if target in NEEDS_REASON and not reason.strip():
        raise ValidationError(
            {"reason": _("Give a reason for “%(target)s”.") % {"target": target.label}}
        )
    if target == S.NO_RESPONSE:
        needed = settings.BOOKING_NO_RESPONSE_AFTER_ATTEMPTS
        if unsuccessful_attempts(booking=booking) < needed:
            raise ValidationError(
                _(
                    "%(ref)s: log %(needed)d unsuccessful contact attempts before closing it "
                    "as No response."
                ),
                code="too_few_attempts",
                params={"ref": booking.reference, "needed": needed},
            )


def _lock(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().select_related("location").get(pk=booking.pk)


def _set_status(booking: Booking, to_status: str, by: AbstractBaseUser, now) -> None:
    booking.status = to_status
    booking.status_changed_at = now
    booking.status_changed_by = by
    if to_status in CLOSED_STATUSES:
        booking.closed_at = now


def _notify_patient_of_appointment(
    booking: Booking, kind: str, appointment: Appointment | None = None
) -> None:
    """Queue a confirmation or cancellation; unsent ones about an earlier time must not go."""
    booking.notifications.filter(
        kind__in=[*APPOINTMENT_KINDS, Notification.Kind.PATIENT_REMINDER],
        state=Notification.State.QUEUED,
    ).update(state=Notification.State.SUPERSEDED, next_attempt_at=None)
    if not booking.email_ok:
        return
    notification = Notification.objects.create(booking=booking, kind=kind, appointment=appointment)
    transaction.on_commit(partial(_enqueue, notification.pk))
    if kind == Notification.Kind.PATIENT_SCHEDULED and appointment is not None:
        _queue_reminders(booking, appointment)


def _queue_reminders(booking: Booking, appointment: Appointment) -> None:
    """One reminder per BOOKING_REMINDER_HOURS still ahead, each due at its time."""
    now = timezone.now()
    for hours in sorted(set(settings.BOOKING_REMINDER_HOURS), reverse=True):
        due = appointment.starts_at - datetime.timedelta(hours=hours)
        if due <= now:
            continue
        reminder = Notification.objects.create(
            booking=booking,
            kind=Notification.Kind.PATIENT_REMINDER,
            appointment=appointment,
            due_at=due,
            next_attempt_at=due,
        )
        transaction.on_commit(partial(_enqueue, reminder.pk, run_after=due))


# --- Appointments ----------------------------------------------------------------


class TimeTaken(ValidationError):
    """Someone else booked the time first (or every seat at it is taken)."""

    def __init__(self):
        super().__init__(_("That time was just taken."), code="taken")


def _lock_office(location_id: int) -> None:
    """Book one office's times one at a time, so overlapping times cannot both be taken.

    NO KEY UPDATE: new requests for the office (which only reference it)
    are not held up. The unique seat constraint stands behind this.
    """
    Location.objects.select_for_update(no_key=True).filter(pk=location_id).exists()


def _current_appointment(booking: Booking) -> Appointment | None:
    return booking.appointments.select_for_update().filter(state=Appointment.State.BOOKED).first()


def _end_appointment(appointment: Appointment | None, state: str, now) -> None:
    if appointment is not None:
        appointment.state = state
        appointment.ended_at = now
        appointment.save(update_fields=["state", "ended_at"])


def _hold_time(
    booking: Booking,
    *,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    meeting: str,
    seat: int,
    by_patient: bool,
) -> Appointment:
    key = new_manage_key()
    appointment = Appointment(
        booking=booking,
        location=booking.location,
        meeting=meeting,
        starts_at=starts_at,
        ends_at=ends_at,
        seat=seat,
        booked_by_patient=by_patient,
        manage_key=key,
        manage_token_hash=token_hash(first_token(key)),
    )
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError:
        raise TimeTaken() from None
    booking.scheduled_for = starts_at
    booking.scheduled_meeting = meeting
    booking.scheduled_by_patient = by_patient
    return appointment


def _office_calendar(booking: Booking, starts_at, now) -> availability.OfficeCalendar | None:
    return availability.office_calendar(
        booking.location, first=timezone.localdate(now), last=timezone.localdate(starts_at)
    )


def _check_patient_may_book(booking: Booking, meeting: str, starts_at, kinds) -> None:
    if booking.anonymised_at or booking.status not in (S.NEW, S.CONTACTED):
        raise ValidationError(
            _("This request cannot take an appointment online any more. Please contact us."),
            code="not_bookable",
        )
    if age_on(booking.date_of_birth, timezone.localdate(starts_at)) < ADULT_AGE:
        raise ValidationError(_("Appointments are for adults only."), code="under_age")
    if meeting not in kinds:
        raise ValidationError(
            _("That kind of consultation cannot be booked online here."), code="not_offered"
        )


def _take_open_time(booking: Booking, meeting: str, starts_at, now, calendar=None) -> Appointment:
    """Hold an open time for the patient; the office must be locked and any earlier
    appointment of theirs already ended (the calendar is read after that)."""
    calendar = calendar or _office_calendar(booking, starts_at, now)
    offered, opening = calendar.lookup(meeting, starts_at, now) if calendar else (False, None)
    if opening is None:
        if offered:
            raise TimeTaken()
        raise ValidationError(
            _("That time cannot be booked online. Please pick one of the times shown."),
            code="not_offered",
        )
    return _hold_time(
        booking,
        starts_at=opening.starts_at,
        ends_at=opening.ends_at,
        meeting=meeting,
        seat=opening.seat,
        by_patient=True,
    )


@transaction.atomic
def appointment_book(
    *, booking: Booking, starts_at: datetime.datetime, meeting: str, now=None
) -> Appointment:
    """The patient takes an open time for the request they have just sent.

    The request goes to Scheduled, marked as booked by the patient; an urgent
    answer still keeps it first in the front desk's list until someone
    reaches the patient. Raises TimeTaken if another patient was first.
    """
    now = now or timezone.now()
    _lock_office(booking.location_id)
    booking = _lock(booking)
    calendar = _office_calendar(booking, starts_at, now)
    _check_patient_may_book(booking, meeting, starts_at, calendar.kinds if calendar else [])
    appointment = _take_open_time(booking, meeting, starts_at, now, calendar)
    booking.status = S.SCHEDULED
    booking.status_changed_at = now
    booking.status_changed_by = None
    booking.video_link = ""
    booking.save()
    _notify_patient_of_appointment(booking, Notification.Kind.PATIENT_SCHEDULED, appointment)
    logger.info("Booking %s: the patient booked a time", booking.reference)
    return appointment


def appointment_for_link(*, token: str, now=None) -> Appointment | None:
    """The booked, future appointment a manage link is for; None once it no longer works."""
    now = now or timezone.now()
    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        return None
    return (
        Appointment.objects.select_related("booking", "location")
        .filter(
            manage_token_hash=token_hash(token),
            state=Appointment.State.BOOKED,
            ends_at__gt=now,
        )
        .first()
    )


def _lock_linked(appointment: Appointment, now) -> tuple[Appointment, Booking]:
    """Lock the request, then its appointment (the order every service keeps)."""
    booking = _lock(appointment.booking)
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not locked.is_booked or locked.ends_at <= now:
        raise ValidationError(
            _("This appointment has already been changed or cancelled."), code="link_used"
        )
    return locked, booking


@transaction.atomic
def appointment_move(
    *, appointment: Appointment, starts_at: datetime.datetime, meeting: str, now=None
) -> Appointment:
    """The patient picks another time from their manage link; the old time is freed.

    If the new time was just taken, nothing changes (TimeTaken).
    """
    now = now or timezone.now()
    _lock_office(appointment.location_id)
    appointment, booking = _lock_linked(appointment, now)
    if appointment.starts_at == starts_at and appointment.meeting == meeting:
        raise ValidationError(_("That is the time you already have."), code="unchanged")
    if meeting not in availability.offered_kinds(booking.location):
        raise ValidationError(
            _("That kind of consultation cannot be booked online here."), code="not_offered"
        )
    _end_appointment(appointment, Appointment.State.MOVED, now)
    moved = _take_open_time(booking, meeting, starts_at, now)
    booking.video_link = ""
    booking.save()
    _notify_patient_of_appointment(booking, Notification.Kind.PATIENT_SCHEDULED, moved)
    logger.info("Booking %s: the patient moved their appointment", booking.reference)
    return moved


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, now=None) -> Booking:
    """The patient cancels from their manage link; the time is free again at once.

    The request goes back to the front desk: New if nobody has reached the
    patient yet, otherwise Contacted.
    """
    now = now or timezone.now()
    appointment, booking = _lock_linked(appointment, now)
    _end_appointment(appointment, Appointment.State.CANCELLED, now)
    booking.status = S.CONTACTED if booking.reached_at else S.NEW
    booking.status_changed_at = now
    booking.status_changed_by = None
    booking.save()
    _notify_patient_of_appointment(booking, Notification.Kind.PATIENT_CANCELLED, appointment)
    logger.info("Booking %s: the patient cancelled their appointment", booking.reference)
    return booking


@transaction.atomic
def booking_change_status(
    *,
    booking: Booking,
    to_status: str,
    by: AbstractBaseUser,
    reason: str = "",
    scheduled_for: datetime.datetime | None = None,
    meeting: str = "",
    video_link: str = "",
) -> Booking:
    """Move a request to another status, recording who and when.

    Scheduling is booking_schedule() and un-scheduling booking_cancel_appointment().
    """
    if to_status == S.SCHEDULED:
        return booking_schedule(
            booking=booking, by=by, starts_at=scheduled_for, meeting=meeting, video_link=video_link
        )
    booking = _lock(booking)
    if to_status == S.CONTACTED and booking.status == S.SCHEDULED:
        return booking_cancel_appointment(booking=booking, by=by)
    booking_check_status_change(booking=booking, to_status=to_status, reason=reason)
    now = timezone.now()
    if booking.status == S.SCHEDULED:
        _release_future_time(booking, now)
    _set_status(booking, to_status, by, now)
    if to_status in NEEDS_REASON:
        booking.closing_reason = reason.strip()
    booking._history_user = by
    booking.save()
    logger.info("Booking %s set to %s", booking.reference, to_status)
    return booking


def _release_future_time(booking: Booking, now) -> None:
    """A request closed before its appointment frees the time and stops its reminders."""
    appointment = _current_appointment(booking)
    if appointment is not None and appointment.starts_at > now:
        _end_appointment(appointment, Appointment.State.CANCELLED, now)
        booking.notifications.filter(
            kind=Notification.Kind.PATIENT_REMINDER, state=Notification.State.QUEUED
        ).update(state=Notification.State.SUPERSEDED, next_attempt_at=None)


def booking_close(
    *, booking: Booking, by: AbstractBaseUser, outcome: str, reason: str = ""
) -> Booking:
    """Close a request: seen, not suitable, referred elsewhere or no response."""
    if outcome not in CLOSED_STATUSES:
        raise ValidationError(_("Choose how the request ends."), code="not_a_closing_status")
    return booking_change_status(booking=booking, to_status=outcome, by=by, reason=reason)


def booking_mark_contacted(*, booking: Booking, by: AbstractBaseUser) -> Booking:
    """Move a New request to Contacted."""
    return booking_change_status(booking=booking, to_status=S.CONTACTED, by=by)


def booking_mark_no_response(*, booking: Booking, by: AbstractBaseUser) -> Booking:
    """Close a request whose patient could not be reached."""
    return booking_change_status(booking=booking, to_status=S.NO_RESPONSE, by=by)


def booking_check_schedule(
    *,
    booking: Booking,
    starts_at: datetime.datetime | None,
    meeting: str,
    video_link: str = "",
) -> None:
    """Raise ValidationError (keyed by argument) if this appointment cannot be booked."""
    if booking.status not in (S.CONTACTED, S.SCHEDULED):
        booking_check_status_change(booking=booking, to_status=S.SCHEDULED)
    errors = {}
    if starts_at is None:
        errors["starts_at"] = _("Scheduling needs the appointment date and time.")
    elif starts_at < timezone.now():
        errors["starts_at"] = _("The appointment must be in the future.")
    if meeting not in Meeting.values:
        errors["meeting"] = _("Choose how the appointment happens.")
    elif meeting == Meeting.VIDEO:
        try:
            VIDEO_LINK_VALIDATOR(video_link)
        except ValidationError:
            errors["video_link"] = _(
                "A video appointment needs its link, starting with https://, "
                "so the patient can join."
            )
    if not errors and booking.status == S.SCHEDULED:
        unchanged = (
            booking.scheduled_for == starts_at
            and booking.scheduled_meeting == meeting
            and booking.video_link == (video_link if meeting == Meeting.VIDEO else "")
        )
        if unchanged:
            raise ValidationError(
                _(
                    "That is the appointment already booked. To reschedule, change the date, "
                    "time, how it happens or the video link."
                ),
                code="unchanged",
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def booking_schedule(
    *,
    booking: Booking,
    by: AbstractBaseUser,
    starts_at: datetime.datetime | None,
    meeting: str,
    video_link: str = "",
) -> Booking:
    """Book (or move) the appointment and queue the patient's confirmation with a calendar file.

    On a Scheduled request this reschedules: the patient always gets a new
    confirmation, whose calendar entry replaces the earlier one.
    """
    # The office first, then the request: every service takes locks in this order.
    _lock_office(booking.location_id)
    booking = _lock(booking)
    video_link = video_link.strip()
    booking_check_schedule(
        booking=booking, starts_at=starts_at, meeting=meeting, video_link=video_link
    )
    rescheduled = booking.status == S.SCHEDULED
    now = timezone.now()
    _end_appointment(_current_appointment(booking), Appointment.State.MOVED, now)
    ends_at = starts_at + datetime.timedelta(
        minutes=availability.appointment_minutes(booking.location, meeting)
    )
    seat = availability.staff_seat(booking.location, starts_at, ends_at)
    try:
        if seat is None:
            raise TimeTaken()
        appointment = _hold_time(
            booking,
            starts_at=starts_at,
            ends_at=ends_at,
            meeting=meeting,
            seat=seat,
            by_patient=False,
        )
    except TimeTaken:
        raise ValidationError(
            {
                "starts_at": _(
                    "Another appointment at this office holds that time. Choose another time."
                )
            }
        ) from None
    _set_status(booking, S.SCHEDULED, by, now)
    booking.video_link = video_link if meeting == Meeting.VIDEO else ""
    booking._history_user = by
    booking.save()
    _notify_patient_of_appointment(booking, Notification.Kind.PATIENT_SCHEDULED, appointment)
    logger.info("Booking %s %s", booking.reference, "rescheduled" if rescheduled else "scheduled")
    return booking


@transaction.atomic
def booking_cancel_appointment(*, booking: Booking, by: AbstractBaseUser) -> Booking:
    """Cancel a booked appointment; the request goes back to Contacted and the patient is told.

    The cancelled time stays on the request (for the email and the record);
    only Scheduled requests are on the agenda.
    """
    booking = _lock(booking)
    if booking.status != S.SCHEDULED:
        raise ValidationError(
            _("%(ref)s has no appointment to cancel."),
            code="not_scheduled",
            params={"ref": booking.reference},
        )
    now = timezone.now()
    appointment = _current_appointment(booking)
    _end_appointment(appointment, Appointment.State.CANCELLED, now)
    _set_status(booking, S.CONTACTED, by, now)
    booking._history_user = by
    booking.save()
    _notify_patient_of_appointment(booking, Notification.Kind.PATIENT_CANCELLED, appointment)
    logger.info("Booking %s appointment cancelled", booking.reference)
    return booking


@transaction.atomic
def contact_attempt_log(
    *,
    booking: Booking,
    by: AbstractBaseUser,
    channel: str,
    outcome: str,
    note: str = "",
) -> ContactAttempt:
    """Record a try at reaching the patient.

    Reaching them ends the urgent marker (who and when are kept) and moves a
    New request to Contacted.
    """
    booking = _lock(booking)
    if not booking.is_open:
        raise ValidationError(
            _("%(ref)s is closed; contact attempts can no longer be logged."),
            code="closed",
            params={"ref": booking.reference},
        )
    if outcome == ContactAttempt.Outcome.VOICEMAIL and channel != ContactAttempt.Channel.PHONE:
        raise ValidationError(
            {
                "outcome": _(
                    "A voicemail is left on a phone call: choose Phone call or another outcome."
                )
            }
        )
    now = timezone.now()
    attempt = ContactAttempt(booking=booking, made_by=by, made_at=now)
    attempt.channel, attempt.outcome, attempt.note = channel, outcome, note.strip()
    attempt.full_clean(exclude=["booking", "made_by"], validate_constraints=False)
    attempt.save()
    changed = []
    if booking.first_attempt_at is None:
        booking.first_attempt_at = now
        booking.first_attempt_minutes, booking.first_attempt_business_minutes = _waited(
            booking, now
        )
        changed = ["first_attempt_at", "first_attempt_minutes", "first_attempt_business_minutes"]
    if outcome == ContactAttempt.Outcome.REACHED:
        if booking.reached_at is None:
            booking.reached_at, booking.reached_by = now, by
            booking.reached_minutes, booking.reached_business_minutes = _waited(booking, now)
        if booking.status == S.NEW:
            _set_status(booking, S.CONTACTED, by, now)
        booking._history_user = by
        booking.save()
    elif changed:
        # Only the figures: no status changes, so no history entry.
        booking.save_without_historical_record(update_fields=changed)
    logger.info("Booking %s contact attempt: %s", booking.reference, outcome)
    return attempt


def _waited(booking: Booking, until: datetime.datetime) -> tuple[int, int]:
    """Minutes from the request to `until`: by the clock, and in the office's opening hours."""
    clock = int((until - booking.created_at).total_seconds() // 60)
    return max(clock, 0), office_business_minutes(booking.location, booking.created_at, until)


def booking_check_assignee(*, booking: Booking, user: AbstractBaseUser | None) -> None:
    """Raise ValidationError unless `user` may work on this request (None: unassign)."""
    if user is None:
        return
    if not assignable_staff(location=booking.location).filter(pk=user.pk).exists():
        raise ValidationError(
            _("%(user)s does not work on %(location)s requests."),
            code="assignee_out_of_scope",
            params={"user": user, "location": booking.location},
        )


@transaction.atomic
def booking_assign(
    *, booking: Booking, to: AbstractBaseUser | None, by: AbstractBaseUser
) -> Booking:
    """Assign a request to a staff member who can see its location (or to nobody)."""
    booking = _lock(booking)
    booking_check_assignee(booking=booking, user=to)
    if booking.assigned_to_id != (to.pk if to else None):
        booking.assigned_to = to
        booking._history_user = by
        booking.save()
    return booking


@transaction.atomic
def triage_note_add(*, booking: Booking, author: AbstractBaseUser, text: str) -> TriageNote:
    """Add an internal note to a request, stamped with its author and time. Never emailed."""
    note = TriageNote(booking=booking, author=author, text=text.strip(), created_at=timezone.now())
    note.full_clean()
    note.save()
    return note


def booking_access_record(
    *, booking: Booking, user: AbstractBaseUser, kind: str = BookingAccess.Kind.OPENED
) -> BookingAccess:
    """Record that a staff user opened or changed a request, or was refused it."""
    return BookingAccess.objects.create(booking=booking, user=user, kind=kind)


def booking_export_record(*, user: AbstractBaseUser, filters: str, row_count: int) -> BookingExport:
    """Record a CSV export of the request list: which filters, never what was searched."""
    return BookingExport.objects.create(user=user, filters=filters[:500], row_count=row_count)


# --- Retention ---------------------------------------------------------------

# What an anonymised request keeps: reference, dates, location, meeting,
# status and who worked it. Everything the patient said about themselves goes.
ANONYMISED_VALUES = {
    "first_name": "Anonymised",
    "last_name": "Anonymised",
    "date_of_birth": EARLIEST_DATE_OF_BIRTH,
    "email": "anonymised@example.invalid",
    "phone": "+12025550100",
    "contact_method": Booking.ContactMethod.PHONE,
    "time_weekday_mornings": False,
    "time_weekday_afternoons": False,
    "time_weekday_evenings": False,
    "time_saturday": False,
    "voicemail_ok": False,
    "email_ok": False,
    "diagnosed": Booking.Diagnosed.NOT_SURE,
    "antidepressants": Booking.Antidepressants.NOT_SURE,
    "seeing_clinician": False,
    "message": "",
    "urgent": False,
    "closing_reason": "",
    "video_link": "",
}


def bookings_due_for_anonymising(*, now: datetime.datetime | None = None):
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.BOOKING_RETENTION_DAYS)
    return Booking.objects.filter(
        status__in=CLOSED_STATUSES, closed_at__lt=cutoff, anonymised_at__isnull=True
    ).order_by("closed_at", "pk")


@transaction.atomic
def booking_anonymise(*, booking: Booking) -> Booking:
    """Erase a closed request's personal and health details, here and in its history."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status not in CLOSED_STATUSES:
        raise ValidationError(_("Only closed requests can be anonymised."), code="still_open")
    now = timezone.now()
    Booking.objects.filter(pk=booking.pk).update(anonymised_at=now, **ANONYMISED_VALUES)
    # The change history holds copies of every earlier version.
    Booking.history.filter(id=booking.pk).update(anonymised_at=now, **ANONYMISED_VALUES)
    booking.notes.all().delete()
    booking.contact_attempts.update(note="")
    booking.refresh_from_db()
    logger.info("Booking %s anonymised", booking.reference)
    return booking

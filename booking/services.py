"""Every write to bookings and notifications happens here."""

import datetime
import logging
import secrets
import uuid
from functools import partial
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from booking.models import Booking, Notification

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: references are read out over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
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
        booking.full_clean(validate_unique=False)
        try:
            with transaction.atomic():
                booking.save()
                kinds = [Notification.Kind.FRONT_DESK_NEW]
                if booking.email_ok:
                    kinds.append(Notification.Kind.PATIENT_RECEIVED)
                notifications = Notification.objects.bulk_create(
                    [Notification(booking=booking, kind=kind) for kind in kinds]
                )
                for notification in notifications:
                    transaction.on_commit(partial(_enqueue, notification.pk))
        except IntegrityError:
            existing = Booking.objects.filter(submission_key=submission_key).first()
            if existing:
                return existing, False
            # Otherwise the reference collided: draw another one.
            continue
        logger.info("Booking %s received for %s", booking.reference, booking.location.slug)
        return booking, True
    raise RuntimeError("Could not allocate a unique booking reference")


def _enqueue(notification_id: int, *, delay: int = 0) -> None:
    from booking.tasks import send_notification

    task = send_notification
    if delay:
        task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    task.enqueue(notification_id=notification_id)


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
        message = _build_message(notification)
        now = timezone.now()
        if message is None:
            notification.state = Notification.State.SKIPPED
            notification.save(update_fields=["state"])
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
        else:
            notification.state = Notification.State.SENT
            notification.sent_at = now
            notification.next_attempt_at = None
        notification.save(
            update_fields=["state", "attempts", "last_error", "next_attempt_at", "sent_at"]
        )
        return notification


def _build_message(notification: Notification) -> EmailMessage | None:
    booking = notification.booking
    context = {"booking": booking, "location": booking.location, "site_url": settings.SITE_URL}
    if notification.kind == Notification.Kind.PATIENT_RECEIVED:
        recipient = booking.email
        template = "booking/email/patient_received"
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
    return EmailMessage(subject=subject, body=body, to=[recipient])

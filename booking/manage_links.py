"""The link in an appointment's emails that lets the patient cancel or move it.

The token is an HMAC of the appointment's random key under the site's
secret key: the worker can put it in every email, a copy of the database
alone cannot forge it, and only its SHA-256 is stored, to find the
appointment from a link. The URL carries the token and nothing else.
"""

import base64
import hashlib
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

SALT = "booking.appointment.manage"


def new_manage_key() -> str:
    return secrets.token_urlsafe(32)


def _token(key: str, secret: str) -> str:
    digest = salted_hmac(SALT, key, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def first_token(key: str) -> str:
    return _token(key, settings.SECRET_KEY)


def manage_token(appointment) -> str:
    """The appointment's token, as made when it was booked (under a rotated-out key too)."""
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        token = _token(appointment.manage_key, secret)
        if token_hash(token) == appointment.manage_token_hash:
            return token
    return _token(appointment.manage_key, settings.SECRET_KEY)


def manage_url(appointment, *, absolute: bool = False) -> str:
    path = reverse("booking:manage", args=[manage_token(appointment)])
    return settings.SITE_URL + path if absolute else path


def calendar_url(appointment) -> str:
    return reverse("booking:manage_calendar", args=[manage_token(appointment)])

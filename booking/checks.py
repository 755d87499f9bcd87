"""Launch checks: what must be entered or set before patients use the site.

`manage.py check --deploy` runs them: errors in production (DEBUG off),
warnings with DEBUG on. Managers also see them on every admin page until
they are fixed (ClinicAdminSite.each_context). Each message says what to do
and where; the ids are stable (README.md lists them).
"""

from django.conf import settings
from django.core import checks
from django.db import DatabaseError
from django.db.models import Exists, OuterRef

from booking.models import Location, OpeningHours

LAUNCH_TAG = "launch"

# Email backends that never deliver anything to anyone.
UNDELIVERING_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend": "console",
    "django.core.mail.backends.locmem.EmailBackend": "locmem",
    "django.core.mail.backends.dummy.EmailBackend": "dummy",
}
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
# What MAILERS falls back to when an entry names no BACKEND.
DEFAULT_MAILER_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def launch_level() -> type[checks.CheckMessage]:
    """Errors in production; warnings while developing with DEBUG on."""
    return checks.Warning if settings.DEBUG else checks.Error


def office_contact_path(office: Location) -> str:
    return f"Admin → Bookings → Locations → {office.name} → Contact"


def runs_for(app_configs, label: str) -> bool:
    return app_configs is None or any(config.label == label for config in app_configs)


@checks.register(LAUNCH_TAG, deploy=True)
def check_offices(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every active office has a phone number, opening hours and a front-desk email."""
    if not runs_for(app_configs, "booking"):
        return []
    try:
        offices = list(
            Location.objects.active()
            .annotate(has_hours=Exists(OpeningHours.objects.filter(location=OuterRef("pk"))))
            .only("name", "phone", "notification_email")
        )
    except DatabaseError:
        return [
            checks.Warning(
                "Could not read the offices: run migrate.",
                hint="Run `manage.py migrate`, or check DATABASE_URL if the database "
                "could not be reached; then run this check again.",
                id="clinic.W001",
            )
        ]
    level = launch_level()
    problems = []
    for office in offices:
        where = office_contact_path(office)
        if not office.phone:
            problems.append(
                level(
                    f"The {office.name} office has no phone number: the site cannot "
                    "show patients a number to call.",
                    hint=f"Enter it in {where} → Phone.",
                    obj=office,
                    id="clinic.E001",
                )
            )
        if not office.has_hours:
            problems.append(
                level(
                    f"The {office.name} office has no opening hours: the site shows "
                    "none and the overdue clock guesses weekdays 9 to 5.",
                    hint=f"Enter them in Admin → Bookings → Locations → {office.name} → "
                    "Opening hours (a day not listed is a closed day).",
                    obj=office,
                    id="clinic.E002",
                )
            )
        if not office.notification_email and not settings.FRONT_DESK_FALLBACK_EMAIL:
            problems.append(
                level(
                    f"Nobody is emailed about new requests for the {office.name} office: "
                    "it has no front-desk email and DJANGO_FRONT_DESK_EMAIL is not set.",
                    hint=f"Enter it in {where} → Front-desk email, or set "
                    "DJANGO_FRONT_DESK_EMAIL in the server's environment for every office.",
                    obj=office,
                    id="clinic.E003",
                )
            )
    return problems


@checks.register(LAUNCH_TAG, checks.Tags.security, deploy=True)
def check_launch_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The admin path, the shared cache and the email backend, from the environment."""
    level = launch_level()
    problems = []
    if settings.ADMIN_URL == "admin/":
        problems.append(
            level(
                "The staff admin is at the default address /admin/, the first place "
                "attackers look.",
                hint="Set DJANGO_ADMIN_URL in the server's environment to a path nobody "
                "would guess, such as 'staff-7k2q9x/'.",
                id="clinic.E005",
            )
        )
    if not settings.REDIS_URL:
        problems.append(
            level(
                "REDIS_URL is not set: each machine keeps its own file cache, so rate limits "
                "and page refreshes do not hold across machines.",
                hint="Set REDIS_URL (e.g. redis://cache.internal:6379/0) in the server's "
                "environment. In production the web server refuses to start without it.",
                id="clinic.E006",
            )
        )
    for alias, mailer in getattr(settings, "MAILERS", {}).items():
        backend = mailer.get("BACKEND", DEFAULT_MAILER_BACKEND)
        if backend in UNDELIVERING_BACKENDS:
            problems.append(
                level(
                    f"Email uses Django's {UNDELIVERING_BACKENDS[backend]} backend "
                    f"(MAILERS[{alias!r}]): no email would ever reach the front desk or "
                    "a patient.",
                    hint="Set DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend "
                    "and DJANGO_EMAIL_HOST, DJANGO_EMAIL_PORT, DJANGO_EMAIL_HOST_USER and "
                    "DJANGO_EMAIL_HOST_PASSWORD in the server's environment.",
                    id="clinic.E007",
                )
            )
        elif backend == FILE_BACKEND and not mailer.get("OPTIONS", {}).get("file_path"):
            problems.append(
                level(
                    f"Email uses the file backend without a folder (MAILERS[{alias!r}] "
                    "has no 'file_path' option): every email would fail.",
                    hint="Set DJANGO_EMAIL_FILE_PATH to a folder the site can write to, "
                    "or use the SMTP backend (DJANGO_EMAIL_BACKEND).",
                    id="clinic.E008",
                )
            )
    return problems

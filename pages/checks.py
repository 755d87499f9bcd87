"""Launch check: every health page carries a current clinical review.

Run by `manage.py check --deploy` and shown to managers in the admin, like
the booking app's launch checks (booking/checks.py).
"""

from django.conf import settings
from django.core import checks
from django.db import DatabaseError
from django.utils import dateformat, timezone

from booking.checks import LAUNCH_TAG, launch_level, runs_for
from booking.models import Location
from pages.content import HEALTH_PAGES
from pages.models import TRANSLATED_FIELDS, ClinicFacts, PageReview

REVIEWS_PATH = "Admin → Educational pages → Page reviews"


@checks.register(LAUNCH_TAG, deploy=True)
def check_health_page_reviews(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """No health page goes out without a clinician's review that is still current."""
    if not runs_for(app_configs, "pages"):
        return []
    try:
        reviews = {
            (review.page, review.language): review
            for review in PageReview.objects.only(
                "page", "language", "last_reviewed", "next_review_due"
            )
        }
    except DatabaseError:
        return [
            checks.Warning(
                "Could not read the page reviews: run migrate.",
                hint="Run `manage.py migrate`, or check DATABASE_URL if the database "
                "could not be reached; then run this check again.",
                id="clinic.W002",
            )
        ]
    level = launch_level()
    today = timezone.localdate()
    problems = []
    # Each language's page is reviewed on its own (a translation can be wrong).
    for code, language in settings.LANGUAGES:
        for page in HEALTH_PAGES:
            review = reviews.get((page.key, code))
            name = f"health page “{page.title}”"
            if code != settings.LANGUAGE_CODE:
                name = f"{language} {name}"
            if review is None:
                message = f"The {name} has no clinical review on record."
            elif review.is_overdue(on=today):
                due = dateformat.format(review.next_review_due, "N j, Y")
                message = f"The clinical review of the {name} was due on {due}."
            else:
                continue
            problems.append(
                level(
                    message,
                    hint=f"Once a clinician has reviewed it, record the review in {REVIEWS_PATH}.",
                    obj=page.key if code == settings.LANGUAGE_CODE else f"{code}:{page.key}",
                    id="clinic.E004",
                )
            )
    return problems


CLINIC_FACTS_PATH = "Admin → Educational pages → Clinic facts"


# Not a launch blocker, so not in the managers' banner: `check --deploy` only.
@checks.register("clinic_facts", deploy=True)
def check_clinic_facts(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Say which clinic facts are still blank: the pages then speak in general terms.

    A warning, not an error: the pages stay honest without them.
    """
    if not runs_for(app_configs, "pages"):
        return []
    try:
        facts = ClinicFacts.objects.filter(pk=1).first() or ClinicFacts()
    except DatabaseError:
        return []  # clinic.W002 already says the pages' tables cannot be read
    untranslated = [
        str(ClinicFacts._meta.get_field(name).verbose_name)
        for name in TRANSLATED_FIELDS
        if getattr(facts, name) and not getattr(facts, f"{name}_es")
    ] + [
        f"the {name} office's response promise (Admin → Bookings → Locations → {name})"
        for name in Location.objects.active()
        .exclude(response_promise="")
        .filter(response_promise_es="")
        .values_list("name", flat=True)
    ]
    warnings = []
    if untranslated:
        warnings.append(
            checks.Warning(
                "The Spanish pages show these in English until they are translated: "
                + "; ".join(untranslated)
                + ".",
                hint=f"Enter them under “In Spanish” in {CLINIC_FACTS_PATH}.",
                id="clinic.W004",
            )
        )
    blank = [
        str(ClinicFacts._meta.get_field(name).verbose_name)
        for name in TRANSLATED_FIELDS
        if not getattr(facts, name)
    ]
    if not (facts.offers_iv_infusion or facts.offers_intramuscular or facts.offers_esketamine):
        blank.insert(0, "which treatments the clinic offers")
    if not blank:
        return warnings
    return [
        *warnings,
        checks.Warning(
            "The reading pages speak in general terms until these clinic facts are entered: "
            + "; ".join(blank)
            + ".",
            hint=f"Enter them in {CLINIC_FACTS_PATH} (write each as a full sentence).",
            id="clinic.W003",
        ),
    ]

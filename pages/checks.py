"""Launch check: every health page carries a current clinical review.

Run by `manage.py check --deploy` and shown to managers in the admin, like
the booking app's launch checks (booking/checks.py).
"""

from django.core import checks
from django.db import DatabaseError
from django.utils import dateformat, timezone

from booking.checks import LAUNCH_TAG, launch_level, runs_for
from pages.content import HEALTH_PAGES
from pages.models import ClinicFacts, PageReview
from pages.selectors import clinic_facts

REVIEWS_PATH = "Admin → Educational pages → Page reviews"


@checks.register(LAUNCH_TAG, deploy=True)
def check_health_page_reviews(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """No health page goes out without a clinician's review that is still current."""
    if not runs_for(app_configs, "pages"):
        return []
    try:
        reviews = {
            review.page: review
            for review in PageReview.objects.only("page", "last_reviewed", "next_review_due")
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
    for page in HEALTH_PAGES:
        review = reviews.get(page.key)
        if review is None:
            message = f"The health page “{page.title}” has no clinical review on record."
        elif review.is_overdue(on=today):
            due = dateformat.format(review.next_review_due, "N j, Y")
            message = f"The clinical review of the health page “{page.title}” was due on {due}."
        else:
            continue
        problems.append(
            level(
                message,
                hint=f"Once a clinician has reviewed it, record the review in {REVIEWS_PATH}.",
                obj=page.key,
                id="clinic.E004",
            )
        )
    return problems


# The text facts the pages fall back to neutral wording for while blank.
CLINIC_FACT_FIELDS = [
    "monitoring_after_session",
    "visit_length",
    "eating_drinking_rule",
    "consultation_cost",
    "out_of_hours",
    "physician_specialty",
    "physician_board_certification",
]
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
        facts = clinic_facts()
    except DatabaseError:
        return []  # clinic.W002 already says the pages' tables cannot be read
    blank = [
        str(ClinicFacts._meta.get_field(name).verbose_name)
        for name in CLINIC_FACT_FIELDS
        if not getattr(facts, name)
    ]
    if not (facts.offers_iv_infusion or facts.offers_intramuscular or facts.offers_esketamine):
        blank.insert(0, "which treatments the clinic offers")
    if not blank:
        return []
    return [
        checks.Warning(
            "The reading pages speak in general terms until these clinic facts are entered: "
            + "; ".join(blank)
            + ".",
            hint=f"Enter them in {CLINIC_FACTS_PATH} (write each as a full sentence).",
            id="clinic.W003",
        )
    ]

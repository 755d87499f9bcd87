"""The educational pages: one entry per page, shared by URLs, sitemap and reviews."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class HealthPage:
    """A page of medical information that a clinician reviews on a schedule."""

    key: str  # URL name, template name and PageReview.page
    path: str
    title: str | Promise
    description: str | Promise  # meta description, hub summary and JSON-LD

    @property
    def template_name(self) -> str:
        return f"pages/{self.key}.html"


HEALTH_PAGES = [
    HealthPage(
        "how_it_works",
        "ketamine/how-it-works/",
        _("How ketamine works"),
        _(
            "What researchers believe ketamine does in the brain, why it can ease depression "
            "within hours to days, and how medical use differs from recreational use."
        ),
    ),
    HealthPage(
        "risks",
        "ketamine/risks-and-safety/",
        _("Risks and safety"),
        _(
            "Common short-term side effects of ketamine, rarer serious risks, misuse and "
            "bladder problems, how we watch over you, and when to call us or 911."
        ),
    ),
    HealthPage(
        "eligibility",
        "ketamine/who-is-eligible/",
        _("Who is eligible"),
        _(
            "Who can have ketamine treatment at our clinic, what screening looks at, which "
            "rules are firm, and when we need to talk with you first."
        ),
    ),
    HealthPage(
        "what_to_expect",
        "ketamine/what-to-expect/",
        _("What to expect"),
        _(
            "What happens step by step: the consultation, getting ready, a supervised "
            "treatment session, going home, follow-up care and a typical course."
        ),
    ),
    HealthPage(
        "delivery",
        "ketamine/delivery-and-dosing/",
        _("Delivery and dosing"),
        _(
            "How ketamine can be given (infusion, injection or nasal spray), why a physician "
            "sets and supervises every dose, and why we treat only in our office."
        ),
    ),
    HealthPage(
        "research",
        "ketamine/research/",
        _("What the research shows"),
        _(
            "What studies show about ketamine for hard-to-treat depression and suicidal "
            "thoughts, and the limits of what is known so far."
        ),
    ),
    HealthPage(
        "faq",
        "ketamine/questions/",
        _("Frequently asked questions"),
        _(
            "Short, plain answers to common questions about ketamine treatment for depression"
            " at our Milford and Westport offices."
        ),
    ),
]
HEALTH_PAGES_BY_KEY = {page.key: page for page in HEALTH_PAGES}

# Every public page, by URL name, for the sitemap.
PUBLIC_URL_NAMES = [
    "pages:home",
    "pages:guide",
    *(f"pages:{page.key}" for page in HEALTH_PAGES),
    "pages:physician",
    "pages:locations",
    "pages:crisis",
    "pages:privacy",
]
# The booking form is public too, but it is never cached (it carries a CSRF token).
SITEMAP_URL_NAMES = [*PUBLIC_URL_NAMES, "booking:create"]


def health_page_choices() -> list[tuple[str, str | Promise]]:
    # Callable, so that renaming a page's title needs no migration.
    return [(page.key, page.title) for page in HEALTH_PAGES]

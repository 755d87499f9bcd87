"""The educational pages: one entry per page, shared by URLs, sitemap and reviews."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The hub lists the pages under these headings, in this order.
GROUPS = {
    "understand": _("Understanding the treatment"),
    "decide": _("Deciding if it is right for you"),
    "treatment": _("Having treatment"),
    "questions": _("Questions"),
}


@dataclass(frozen=True)
class HealthPage:
    """A page of medical information that a clinician reviews on a schedule."""

    key: str  # URL name, template name and PageReview.page
    path: str | Promise  # under the hub's path; translated, for Spanish URLs
    title: str | Promise
    description: str | Promise  # meta description, hub summary and JSON-LD
    group: str  # a key of GROUPS

    @property
    def template_name(self) -> str:
        return f"pages/{self.key}.html"

    @property
    def group_title(self) -> str | Promise:
        return GROUPS[self.group]


# In the order of GROUPS: the hub groups neighbouring pages under one heading.
HEALTH_PAGES = [
    HealthPage(
        "how_it_works",
        pgettext_lazy("URL path", "how-it-works/"),
        _("How ketamine works"),
        _(
            "What researchers think ketamine does in the brain, and why it can work within days. "
            "How medical use differs from street use."
        ),
        "understand",
    ),
    HealthPage(
        "research",
        pgettext_lazy("URL path", "research/"),
        _("What the research shows"),
        _(
            "What studies show about ketamine for hard-to-treat depression and thoughts of "
            "suicide, and what is still not known."
        ),
        "understand",
    ),
    HealthPage(
        "risks",
        pgettext_lazy("URL path", "risks-and-safety/"),
        _("Risks and safety"),
        _(
            "Common side effects and rarer, serious risks. Misuse, harm to the bladder, and how "
            "staff watch over you."
        ),
        "understand",
    ),
    HealthPage(
        "eligibility",
        pgettext_lazy("URL path", "who-is-eligible/"),
        _("Who is eligible"),
        _(
            "Who can have ketamine treatment, what rules it out, what needs a closer look first, "
            "and which medicines matter."
        ),
        "decide",
    ),
    HealthPage(
        "other_options",
        pgettext_lazy("URL path", "other-treatments/"),
        _("Other treatment options"),
        _(
            "Other ways to treat depression that has not lifted. They include changes to "
            "medicine, talk therapy, esketamine, TMS and ECT."
        ),
        "decide",
    ),
    HealthPage(
        "consent",
        pgettext_lazy("URL path", "consent-and-your-rights/"),
        _("Consent and your rights"),
        _(
            "Why ketamine for depression is off-label, and what you agree to. Your right to stop,"
            " and how to raise a concern."
        ),
        "decide",
    ),
    HealthPage(
        "cost",
        pgettext_lazy("URL path", "cost-and-insurance/"),
        _("Cost and insurance"),
        _(
            "What health plans tend to pay for, and what they often do not. How to get a written "
            "estimate from us."
        ),
        "decide",
    ),
    HealthPage(
        "what_to_expect",
        pgettext_lazy("URL path", "what-to-expect/"),
        _("What to expect"),
        _(
            "The steps from your first visit to a course of sessions: the checks, a session, "
            "going home and follow-up."
        ),
        "treatment",
    ),
    HealthPage(
        "delivery",
        pgettext_lazy("URL path", "delivery-and-dosing/"),
        _("Delivery and dosing"),
        _(
            "How ketamine can be given: a drip, a shot or a nasal spray. The dose studies used, "
            "and why a physician sets each dose."
        ),
        "treatment",
    ),
    HealthPage(
        "session_day",
        pgettext_lazy("URL path", "the-day-of-a-session/"),
        _("The day of a session"),
        _(
            "How to get ready for a session: eating and drinking, what to bring, how long you "
            "stay, and getting home safely."
        ),
        "treatment",
    ),
    HealthPage(
        "aftercare",
        pgettext_lazy("URL path", "after-a-session/"),
        _("After a session and between sessions"),
        _(
            "Who to contact after a session, what to do if your mood drops as the benefit "
            "fades, and when to call 911 or 988."
        ),
        "treatment",
    ),
    HealthPage(
        "longer_term",
        pgettext_lazy("URL path", "if-it-helps-and-if-it-does-not/"),
        _("If it helps, and if it does not"),
        _(
            "What happens after a course: how a benefit may be kept going, what is not known yet,"
            " and what if it does not help."
        ),
        "treatment",
    ),
    HealthPage(
        "faq",
        pgettext_lazy("URL path", "questions/"),
        _("Frequently asked questions"),
        _(
            "Short, plain answers to the questions people ask us most about ketamine for "
            "depression."
        ),
        "questions",
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

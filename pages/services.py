"""Writes to the reading pages' data; each refreshes the cached pages."""

from django.db import transaction

from clinic_site.public_content import public_content_changed
from pages.models import ClinicFacts, PageReview


@transaction.atomic
def page_review_save(*, review: PageReview) -> PageReview:
    """Record a page's clinical review; the page shows it from now on."""
    review.full_clean()
    review.save()
    public_content_changed()
    return review


@transaction.atomic
def page_review_delete(*, review: PageReview) -> None:
    review.delete()
    public_content_changed()


@transaction.atomic
def clinic_facts_save(*, facts: ClinicFacts) -> ClinicFacts:
    """Record what the clinic does; every page that mentions it shows it from now on."""
    facts.full_clean()
    facts.save()
    public_content_changed()
    return facts

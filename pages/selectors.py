"""Reads for the reading pages."""

from pages.models import ClinicFacts


def clinic_facts() -> ClinicFacts:
    """The clinic's facts in the visitor's language; all blank if the row is missing. One query."""
    return (ClinicFacts.objects.filter(pk=1).first() or ClinicFacts()).in_active_language()

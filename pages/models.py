import copy
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic_site.i18n import in_active_language
from pages.content import health_page_choices


class PageReviewQuerySet(models.QuerySet):
    def overdue(self, *, on: datetime.date) -> "PageReviewQuerySet":
        return self.filter(next_review_due__lt=on)

    def due_within(self, *, on: datetime.date, days: int) -> "PageReviewQuerySet":
        return self.filter(
            next_review_due__gte=on, next_review_due__lte=on + datetime.timedelta(days=days)
        )


class PageReview(models.Model):
    """The latest clinical review of one educational page in one language, as staff recorded it.

    Each translation is reviewed on its own: until a clinician has reviewed
    the Spanish page, it says so, whatever the English page's review.
    """

    page = models.CharField(_("page"), max_length=40, choices=health_page_choices)
    language = models.CharField(
        _("language"), max_length=7, choices=settings.LANGUAGES, default="en"
    )
    reviewer_name = models.CharField(_("reviewer"), max_length=120)
    reviewer_credentials = models.CharField(
        _("reviewer credentials"),
        max_length=120,
        help_text=_("As they should appear on the page, e.g. “MD, board-certified psychiatrist”."),
    )
    last_reviewed = models.DateField(_("last reviewed"))
    next_review_due = models.DateField(_("next review due"))

    objects = PageReviewQuerySet.as_manager()

    class Meta:
        ordering = ["next_review_due"]
        verbose_name = _("page review")
        verbose_name_plural = _("page reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["page", "language"],
                name="pagereview_one_per_page_and_language",
                violation_error_message=_("This page already has a review in this language."),
            ),
            models.CheckConstraint(
                condition=models.Q(language__in=[code for code, _name in settings.LANGUAGES]),
                name="pagereview_language_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(next_review_due__gt=models.F("last_reviewed")),
                name="pagereview_next_due_after_last_reviewed",
                violation_error_message=_("The next review must be due after the last review."),
            ),
            models.CheckConstraint(
                condition=~models.Q(reviewer_name="") & ~models.Q(reviewer_credentials=""),
                name="pagereview_reviewer_present",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_page_display()} ({self.get_language_display()})"

    def clean(self) -> None:
        # A review is a record of something that happened, never a plan.
        if self.last_reviewed and self.last_reviewed > timezone.localdate():
            raise ValidationError(
                {"last_reviewed": _("Enter the date the review took place, not a future date.")}
            )

    def is_overdue(self, *, on: datetime.date) -> bool:
        return self.next_review_due < on


SENTENCE_FIELDS = [
    "monitoring_after_session",
    "visit_length",
    "eating_drinking_rule",
    "consultation_cost",
    "out_of_hours",
]
# Shown on the pages as written: each has a Spanish twin, `<name>_es`.
TRANSLATED_FIELDS = [*SENTENCE_FIELDS, "physician_specialty", "physician_board_certification"]


def _spanish(field: models.CharField) -> models.CharField:
    return models.CharField(
        f"{field.verbose_name} (Spanish)",
        max_length=field.max_length,
        blank=True,
        help_text=_("Shown on the Spanish pages; while blank, they show the English."),
    )


class ClinicFacts(models.Model):
    """What this clinic does, as staff have confirmed it; one row, blank until filled in.

    The pages show each fact once it is entered and neutral wording ("staff
    will tell you …") while it is blank, so nothing about the clinic is
    guessed on the site.
    """

    # Always 1: there is exactly one set of facts, created by a data migration.
    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)

    offers_iv_infusion = models.BooleanField(
        _("offers IV infusion"), default=False, help_text=_("Ketamine as a drip into a vein.")
    )
    offers_intramuscular = models.BooleanField(
        _("offers intramuscular injection"),
        default=False,
        help_text=_("Ketamine as a shot into a muscle."),
    )
    offers_esketamine = models.BooleanField(
        _("offers esketamine nasal spray"),
        default=False,
        help_text=_("Spravato, in a setting certified under its REMS."),
    )
    monitoring_after_session = models.CharField(
        _("how long patients stay after a session"),
        max_length=300,
        blank=True,
        help_text=_(
            "One or two plain sentences, as patients should read them, e.g. “After each "
            "session, you stay with us for at least … and until …”."
        ),
    )
    visit_length = models.CharField(
        _("how long a treatment visit takes"),
        max_length=300,
        blank=True,
        help_text=_(
            "One or two plain sentences, e.g. “A treatment visit usually takes about … in all, "
            "including the time you rest afterwards.”"
        ),
    )
    eating_drinking_rule = models.CharField(
        _("eating and drinking before a session"),
        max_length=300,
        blank=True,
        help_text=_("The rule the physician gives patients, in one or two plain sentences."),
    )
    consultation_cost = models.CharField(
        _("cost of the first consultation"),
        max_length=300,
        blank=True,
        help_text=_(
            "Whether the first consultation is charged, and how much, in one or two plain "
            "sentences."
        ),
    )
    out_of_hours = models.CharField(
        _("outside opening hours"),
        max_length=300,
        blank=True,
        help_text=_(
            "What a patient should do if they need us when the offices are closed, in one or "
            "two plain sentences."
        ),
    )
    physician_specialty = models.CharField(
        _("physician’s specialty"),
        max_length=120,
        blank=True,
        help_text=_("As it should appear on the physician page, e.g. the name of the specialty."),
    )
    physician_board_certification = models.CharField(
        _("physician’s board certification"),
        max_length=200,
        blank=True,
        help_text=_("The certifying board, as it should appear on the physician page."),
    )

    monitoring_after_session_es = _spanish(monitoring_after_session)
    visit_length_es = _spanish(visit_length)
    eating_drinking_rule_es = _spanish(eating_drinking_rule)
    consultation_cost_es = _spanish(consultation_cost)
    out_of_hours_es = _spanish(out_of_hours)
    physician_specialty_es = _spanish(physician_specialty)
    physician_board_certification_es = _spanish(physician_board_certification)

    class Meta:
        verbose_name = _("clinic facts")
        verbose_name_plural = _("clinic facts")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="clinicfacts_single_row"),
        ]

    def __str__(self) -> str:
        return str(_("Clinic facts"))

    def clean(self) -> None:
        # Each text fact is shown as written, between other sentences.
        errors = {}
        for name in [*SENTENCE_FIELDS, *(f"{name}_es" for name in SENTENCE_FIELDS)]:
            value = getattr(self, name).strip()
            setattr(self, name, value)
            if value and value[-1] not in ".!?":
                errors[name] = _("End with a full stop: the page shows this as a sentence.")
        if errors:
            raise ValidationError(errors)

    def in_active_language(self) -> "ClinicFacts":
        """A copy to show, each text fact in the visitor's language; never saved."""
        shown = copy.copy(self)
        for name in TRANSLATED_FIELDS:
            setattr(shown, name, in_active_language(self, name))
        return shown

    @property
    def methods_known(self) -> bool:
        """Whether staff have said which methods the clinic offers (none ticked: not yet)."""
        return self.offers_iv_infusion or self.offers_intramuscular or self.offers_esketamine

    @property
    def methods_offered(self) -> list[str]:
        labels = [
            (self.offers_iv_infusion, _("ketamine as an infusion into a vein (IV)")),
            (self.offers_intramuscular, _("ketamine as a shot into a muscle")),
            (self.offers_esketamine, _("esketamine nasal spray (Spravato)")),
        ]
        return [str(label) for offered, label in labels if offered]

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pages.content import health_page_choices


class PageReviewQuerySet(models.QuerySet):
    def overdue(self, *, on: datetime.date) -> "PageReviewQuerySet":
        return self.filter(next_review_due__lt=on)

    def due_within(self, *, on: datetime.date, days: int) -> "PageReviewQuerySet":
        return self.filter(
            next_review_due__gte=on, next_review_due__lte=on + datetime.timedelta(days=days)
        )


class PageReview(models.Model):
    """The latest clinical review of one educational page, as staff recorded it."""

    page = models.CharField(_("page"), max_length=40, unique=True, choices=health_page_choices)
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
        return str(self.get_page_display())

    def clean(self) -> None:
        # A review is a record of something that happened, never a plan.
        if self.last_reviewed and self.last_reviewed > timezone.localdate():
            raise ValidationError(
                {"last_reviewed": _("Enter the date the review took place, not a future date.")}
            )

    def is_overdue(self, *, on: datetime.date) -> bool:
        return self.next_review_due < on

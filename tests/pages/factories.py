import datetime

from django.utils import timezone

from pages.models import PageReview


def make_page_review(**overrides) -> PageReview:
    today = timezone.localdate()
    fields = {
        "page": "risks",
        "reviewer_name": "Dr. Test Reviewer",
        "reviewer_credentials": "MD, board-certified psychiatrist",
        "last_reviewed": today - datetime.timedelta(days=30),
        "next_review_due": today + datetime.timedelta(days=335),
    }
    fields.update(overrides)
    return PageReview.objects.create(**fields)

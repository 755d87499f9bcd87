import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from pages.content import HEALTH_PAGES
from pages.models import PageReview
from tests.pages.factories import make_page_review

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize("guide", HEALTH_PAGES, ids=lambda guide: guide.key)
def test_unreviewed_page_says_review_is_pending(client, guide):
    html = client.get(reverse(f"pages:{guide.key}")).content.decode()

    assert "Clinical review pending." in html
    assert "Last reviewed:" not in html


def test_reviewed_page_shows_reviewer_and_dates(client):
    make_page_review(
        page="risks",
        reviewer_name="Dr. Jane Doe",
        reviewer_credentials="MD, psychiatrist",
        last_reviewed=datetime.date(2026, 3, 2),
        next_review_due=datetime.date(2099, 3, 2),
    )

    html = client.get(reverse("pages:risks")).content.decode()

    assert '<time datetime="2026-03-02">March 2, 2026</time>' in html
    assert "by Dr. Jane Doe, MD, psychiatrist" in html
    assert '<time datetime="2099-03-02">March 2, 2099</time>' in html
    assert "Clinical review pending" not in html
    assert "overdue" not in html


def test_review_of_one_page_is_not_shown_on_another(client):
    make_page_review(page="risks")

    html = client.get(reverse("pages:faq")).content.decode()

    assert "Clinical review pending." in html


def test_overdue_review_says_so_on_the_page(client):
    today = timezone.localdate()
    make_page_review(last_reviewed=today - 400 * DAY, next_review_due=today - DAY)

    html = client.get(reverse("pages:risks")).content.decode()

    assert "(this review is now overdue)" in html


def test_next_review_must_come_after_the_last_one():
    today = timezone.localdate()
    with pytest.raises(IntegrityError):
        make_page_review(last_reviewed=today, next_review_due=today)


def test_a_review_cannot_be_recorded_for_a_future_date():
    today = timezone.localdate()
    review = PageReview(
        page="risks",
        reviewer_name="Dr. A",
        reviewer_credentials="MD",
        last_reviewed=today + DAY,
        next_review_due=today + 400 * DAY,
    )

    with pytest.raises(ValidationError) as error:
        review.full_clean()

    assert "last_reviewed" in error.value.message_dict


def test_overdue_lists_only_reviews_past_their_due_date():
    today = timezone.localdate()
    late = make_page_review(
        page="risks", last_reviewed=today - 400 * DAY, next_review_due=today - DAY
    )
    make_page_review(page="faq", last_reviewed=today - DAY, next_review_due=today)

    assert list(PageReview.objects.overdue(on=today)) == [late]


def test_admin_lists_overdue_reviews(admin_client):
    today = timezone.localdate()
    make_page_review(page="risks", last_reviewed=today - 400 * DAY, next_review_due=today - DAY)
    make_page_review(page="faq", last_reviewed=today - DAY, next_review_due=today + 300 * DAY)

    response = admin_client.get(reverse("admin:pages_pagereview_changelist") + "?review=overdue")

    assert response.status_code == 200
    assert [review.page for review in response.context["cl"].result_list] == ["risks"]


def test_admin_lists_reviews_due_soon(admin_client):
    today = timezone.localdate()
    make_page_review(
        page="risks", last_reviewed=today - 300 * DAY, next_review_due=today + 10 * DAY
    )
    make_page_review(page="faq", last_reviewed=today - DAY, next_review_due=today + 300 * DAY)

    response = admin_client.get(reverse("admin:pages_pagereview_changelist") + "?review=due_soon")

    assert [review.page for review in response.context["cl"].result_list] == ["risks"]


def test_admin_names_the_pages_nobody_has_reviewed(admin_client):
    make_page_review(page="risks")

    html = admin_client.get(reverse("admin:pages_pagereview_changelist")).content.decode()

    assert "Pages with no clinical review yet" in html
    assert "<li>Frequently asked questions (English)</li>" in html
    assert "<li>Frequently asked questions (Spanish)</li>" in html
    assert "<li>Risks and safety (English)</li>" not in html
    assert "<li>Risks and safety (Spanish)</li>" in html


def test_admin_add_form_rejects_a_due_date_before_the_review(admin_client):
    response = admin_client.post(
        reverse("admin:pages_pagereview_add"),
        {
            "page": "faq",
            "reviewer_name": "Dr. A",
            "reviewer_credentials": "MD",
            "last_reviewed": "2026-01-10",
            "next_review_due": "2025-01-10",
        },
    )

    assert response.status_code == 200
    assert "The next review must be due after the last review." in response.content.decode()
    assert not PageReview.objects.exists()

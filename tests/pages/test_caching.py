"""Reading pages are cached for everyone, and admin changes still show at once."""

import datetime

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from booking.models import Location
from clinic_site.public_content import public_content_changed as content_changed
from pages.content import PUBLIC_URL_NAMES
from pages.models import PageReview
from tests.pages.factories import make_page_review

pytestmark = pytest.mark.django_db


def pending_message_cookie(text: str) -> tuple[str, str]:
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(messages.SUCCESS, text)
    response = HttpResponse()
    storage.update(response)
    return storage.cookie_name, response.cookies[storage.cookie_name].value


@pytest.mark.parametrize("name", PUBLIC_URL_NAMES)
def test_second_visit_is_served_without_touching_the_database(
    client, clinic_locations, django_assert_num_queries, name
):
    first = client.get(reverse(name))

    with django_assert_num_queries(0):
        second = client.get(reverse(name))

    assert second.status_code == 200
    assert second.content == first.content


@pytest.mark.parametrize("name", PUBLIC_URL_NAMES)
def test_pages_carry_nothing_personal_even_for_a_signed_in_visitor(
    admin_client, clinic_locations, name
):
    response = admin_client.get(reverse(name))

    html = response.content.decode()
    assert response.cookies == {}
    assert "Cookie" not in response.get("Vary", "")
    assert "csrfmiddlewaretoken" not in html
    assert "nonce" not in html


def test_a_pending_message_is_neither_shown_nor_shared_by_a_cached_page(client):
    name, value = pending_message_cookie("Your request KC-ABC123 was sent")
    client.cookies[name] = value

    html = client.get(reverse("pages:faq")).content.decode()

    assert "KC-ABC123" not in html
    # The message stays waiting for the page that is meant to show it.
    assert client.cookies[name].value == value


def test_unchanged_page_is_revalidated_with_its_etag(client):
    first = client.get(reverse("pages:research"))

    second = client.get(reverse("pages:research"), headers={"if-none-match": first["ETag"]})

    assert "no-cache" in first["Cache-Control"]
    assert second.status_code == 304


def test_location_edited_in_the_admin_shows_up_on_cached_pages(
    client, admin_client, clinic_locations, django_capture_on_commit_callbacks
):
    milford = Location.objects.get(slug="milford")
    assert "(203) 555-0199" not in client.get(reverse("pages:locations")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:booking_location_change", args=[milford.pk]),
            {
                "name": milford.name,
                "slug": milford.slug,
                "is_active": "on",
                "display_order": milford.display_order,
                "address_line1": milford.address_line1,
                "address_line2": milford.address_line2,
                "city": milford.city,
                "state": milford.state,
                "postal_code": milford.postal_code,
                "phone": "(203) 555-0199",
                "notification_email": "",
                "opening_hours-TOTAL_FORMS": "1",
                "opening_hours-INITIAL_FORMS": "0",
                "opening_hours-0-weekday": "0",
                "opening_hours-0-opens": "09:00",
                "opening_hours-0-closes": "17:00",
            },
        )

    assert response.status_code == 302
    html = client.get(reverse("pages:locations")).content.decode()
    assert 'href="tel:+12035550199"' in html
    assert "<br>Mon: 9:00 AM – 5:00 PM<br>Tue–Sun: closed" in html
    assert "tel:+12035550199" in client.get(reverse("pages:home")).content.decode()


def test_review_recorded_in_the_admin_shows_up_on_the_cached_page(
    client, admin_client, django_capture_on_commit_callbacks
):
    assert "Clinical review pending" in client.get(reverse("pages:risks")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:pages_pagereview_add"),
            {
                "page": "risks",
                "reviewer_name": "Dr. Jane Doe",
                "reviewer_credentials": "MD",
                "last_reviewed": "2026-01-10",
                "next_review_due": "2099-01-10",
            },
        )

    html = client.get(reverse("pages:risks")).content.decode()
    assert PageReview.objects.filter(page="risks").exists()
    assert "by Dr. Jane Doe, MD" in html
    assert "Clinical review pending" not in html


def test_review_deleted_in_the_admin_disappears_from_the_cached_page(
    client, admin_client, django_capture_on_commit_callbacks
):
    review = make_page_review(page="faq")
    assert "Last reviewed:" in client.get(reverse("pages:faq")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:pages_pagereview_delete", args=[review.pk]), {"post": "yes"}
        )

    assert "Clinical review pending" in client.get(reverse("pages:faq")).content.decode()


def test_content_changes_wait_for_the_transaction_to_commit(
    client, django_capture_on_commit_callbacks
):
    client.get(reverse("pages:eligibility"))
    make_page_review(page="eligibility")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        content_changed()

    assert "Clinical review pending" in client.get(reverse("pages:eligibility")).content.decode()
    callbacks[0]()
    assert "Last reviewed:" in client.get(reverse("pages:eligibility")).content.decode()


@pytest.mark.parametrize("name", ["pages:home", "pages:faq", "pages:crisis"])
def test_a_page_from_the_cache_keeps_every_header_of_the_first_rendering(
    client, clinic_locations, name
):
    first = client.get(reverse(name))
    second = client.get(reverse(name))

    for header in [
        "Content-Type",
        "Content-Security-Policy",
        "Permissions-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "ETag",
        "Cache-Control",
    ]:
        assert second[header] == first[header], header


def test_a_cached_page_still_refuses_an_unknown_host(client, clinic_locations):
    client.get(reverse("pages:home"))

    response = client.get(reverse("pages:home"), headers={"host": "evil.example"})

    assert response.status_code == 400


def test_a_deploy_that_changes_code_or_templates_starts_a_new_page_cache(settings, tmp_path):
    from pages.caching import RELEASE_SOURCES, release_fingerprint

    for name in RELEASE_SOURCES:
        (tmp_path / name).mkdir()
    view = tmp_path / "pages" / "views.py"
    view.write_text("CONTEXT = 1\n")
    settings.BASE_DIR = tmp_path

    def fingerprint() -> str:
        release_fingerprint.cache_clear()
        return release_fingerprint()

    try:
        before = fingerprint()
        (tmp_path / "pages" / "__pycache__").mkdir()
        (tmp_path / "pages" / "__pycache__" / "views.cpython-312.pyc").write_bytes(b"\0")
        assert fingerprint() == before  # compiled files are not the release
        view.write_text("CONTEXT = 2\n")
        assert fingerprint() != before
    finally:
        release_fingerprint.cache_clear()


def test_urls_of_other_views_never_look_in_the_page_cache(client, clinic_locations, monkeypatch):
    from clinic_site import public_content
    from pages import caching

    looked_up = []
    real_get = caching.cache.get
    monkeypatch.setattr(
        caching.cache, "get", lambda key, *args: looked_up.append(key) or real_get(key, *args)
    )

    assert client.get(reverse("booking:create")).status_code == 200
    assert client.get(reverse("admin:login")).status_code == 200
    assert client.get("/no-such-page/").status_code == 404
    assert looked_up == []

    client.get(reverse("pages:home"))
    assert public_content.VERSION_KEY in looked_up


def test_an_office_change_made_outside_the_admin_refreshes_the_cached_pages(
    client, clinic_locations, django_capture_on_commit_callbacks
):
    from booking import services

    client.get(reverse("pages:locations"))
    milford = Location.objects.get(slug="milford")
    milford.response_promise = "within one business day"
    weekdays = [(day, datetime.time(9), datetime.time(17)) for day in range(5)]

    with django_capture_on_commit_callbacks(execute=True):
        services.location_save(location=milford)
        services.opening_hours_set(location=milford, weekly=weekdays)

    html = client.get(reverse("pages:locations")).content.decode()
    assert "within one business day" in html
    assert "Mon–Fri: 9:00 AM – 5:00 PM<br>Sat–Sun: closed" in html

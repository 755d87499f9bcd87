"""Reading pages are cached for everyone, and admin changes still show at once."""

import datetime
import json

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
from tests.factories import location_form_data
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
            location_form_data(
                milford,
                phone="(203) 555-0199",
                **{
                    "opening_hours-TOTAL_FORMS": "1",
                    "opening_hours-0-weekday": "0",
                    "opening_hours-0-opens": "09:00",
                    "opening_hours-0-closes": "17:00",
                },
            ),
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
                "language": "en",
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


@pytest.fixture
def release(settings, tmp_path, monkeypatch):
    """A project of its own for the release key: a package the settings name
    (clinic_release_probe), templates/, static/ and tests/; returns a function
    that computes the key afresh."""
    from pages.caching import release_fingerprint

    files = {
        "clinic_release_probe/__init__.py": "",
        "clinic_release_probe/views.py": "CONTEXT = 1\n",
        "clinic_release_probe/templates/probe/part.html": "<p>part</p>\n",
        "templates/page.html": "<h1>Page</h1>\n",
        "static/css/site.css": "body { color: black; }\n",
        "tests/__init__.py": "",
        "tests/test_views.py": "def test_it(): pass\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.BASE_DIR = tmp_path
    settings.ROOT_URLCONF = "clinic_release_probe.urls"
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates"]}]
    settings.STATICFILES_DIRS = [tmp_path / "static"]
    settings.STATIC_ROOT = tmp_path / "collected"

    def fingerprint() -> str:
        release_fingerprint.cache_clear()
        return release_fingerprint()

    yield fingerprint
    release_fingerprint.cache_clear()


@pytest.mark.parametrize(
    "changed",
    [
        "clinic_release_probe/views.py",
        "clinic_release_probe/templates/probe/part.html",
        "templates/page.html",
        "static/css/site.css",
    ],
)
def test_a_deploy_that_changes_code_templates_or_static_files_starts_a_new_page_cache(
    release, tmp_path, changed
):
    before = release()

    with (tmp_path / changed).open("a") as file:
        file.write("\n")

    assert release() != before


def test_a_new_module_is_part_of_the_release(release, tmp_path):
    before = release()

    (tmp_path / "clinic_release_probe" / "forms.py").write_text("")

    assert release() != before


def test_the_release_key_is_fixed_when_the_site_loads(release, tmp_path):
    from pages.caching import CachedPageMiddleware, release_fingerprint

    release_fingerprint.cache_clear()
    CachedPageMiddleware(lambda request: HttpResponse())  # gunicorn's master, before forking
    loaded = release_fingerprint()

    (tmp_path / "templates" / "page.html").write_text("<h1>Next release</h1>\n")

    # A worker forked later serves the code loaded, under the key loaded.
    assert release_fingerprint() == loaded
    assert release() != loaded


def test_the_release_is_made_of_our_packages_templates_and_static_files():
    from pages.caching import _code_folders, _static_folders, _template_folders

    assert {folder.name for folder in _code_folders()} == {"booking", "clinic_site", "pages"}
    assert {folder.name for folder in _template_folders()} == {"templates"}
    assert {folder.name for folder in _static_folders()} == {"static"}


def test_compiled_files_and_tests_are_not_part_of_the_release(release, tmp_path):
    before = release()

    for folder in ["clinic_release_probe/__pycache__", "tests/__pycache__"]:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "views.cpython-312.pyc").write_bytes(b"\0")
    (tmp_path / "clinic_release_probe" / "legacy.pyc").write_bytes(b"\0")
    (tmp_path / "tests" / "test_views.py").write_text("def test_it(): assert True\n")
    (tmp_path / "tests" / "test_more.py").write_text("")

    assert release() == before


def test_after_collectstatic_the_static_files_count_through_the_manifest(
    release, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    manifest = tmp_path / "collected" / "staticfiles.json"
    manifest.parent.mkdir()

    def collected(file_hash: str) -> str:
        paths = {"css/site.css": f"css/site.{file_hash}.css"}
        manifest.write_text(json.dumps({"paths": paths, "version": "1.1", "hash": file_hash}))
        settings.STATIC_ROOT = manifest.parent  # storages read the manifest again
        return release()

    first = collected("5d41402abc4b")
    (tmp_path / "static" / "css" / "site.css").write_text("changed, not collected yet")
    assert collected("5d41402abc4b") == first  # what is served has not changed
    assert collected("7d793037a076") != first


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


def test_a_page_this_process_holds_is_answered_without_reading_the_urls(
    client, clinic_locations, monkeypatch
):
    from pages import caching

    monkeypatch.setattr(caching, "_recent_pages", {})  # as in a new process
    resolved = []
    real_resolve = caching.resolve
    monkeypatch.setattr(
        caching, "resolve", lambda path: resolved.append(path) or real_resolve(path)
    )
    for path in ["/ketamine/", "/es/ketamina/", "/ketamine/", "/es/ketamina/"]:
        assert client.get(path).status_code == 200

    # The first visit to each page finds out that its view is cached; later ones need not.
    assert resolved == ["/ketamine/", "/es/ketamina/"]


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


def test_a_process_trusts_the_content_version_it_read_for_a_second(
    client, clinic_locations, monkeypatch, settings
):
    from clinic_site import public_content
    from pages import caching

    settings.PUBLIC_CONTENT_TRUST_SECONDS = 1
    clock = [1000.0]
    monkeypatch.setattr(public_content.time, "monotonic", lambda: clock[0])
    versions_read = []
    real_get = caching.cache.get
    monkeypatch.setattr(
        caching.cache,
        "get",
        lambda key, *args: (
            versions_read.append(key == public_content.VERSION_KEY) or real_get(key, *args)
        ),
    )
    client.get(reverse("pages:home"))  # reads the version, renders, stores
    before = sum(versions_read)

    for _ in range(5):
        clock[0] += 0.15
        assert client.get(reverse("pages:home")).status_code == 200
    assert sum(versions_read) == before  # no round trip to the shared cache

    # Another machine changes the content: this process sees it after the second.
    real_set = caching.cache.set
    real_set(public_content.VERSION_KEY, "changed-elsewhere", None)
    clock[0] += 0.3
    client.get(reverse("pages:home"))
    assert sum(versions_read) == before + 1
    assert public_content.trusted_content_version() == "changed-elsewhere"


def test_a_change_made_in_this_process_shows_at_once_despite_the_trust(
    client, clinic_locations, settings
):
    from clinic_site import public_content

    settings.PUBLIC_CONTENT_TRUST_SECONDS = 60
    first = public_content.trusted_content_version()

    public_content.bump_content_version()

    assert public_content.trusted_content_version() != first


def test_cached_pages_go_out_compressed_as_the_browser_asks_with_their_own_etag(
    client, clinic_locations
):
    import gzip

    import brotli

    url = reverse("pages:home")
    plain = client.get(url)  # rendered and stored
    assert "Content-Encoding" not in plain
    assert "Accept-Encoding" in plain["Vary"]

    as_br = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
    as_gzip = client.get(url, headers={"accept-encoding": "gzip"})
    refused = client.get(url, headers={"accept-encoding": "br;q=0, gzip;q=0"})

    assert as_br["Content-Encoding"] == "br"
    assert brotli.decompress(as_br.content) == plain.content
    assert int(as_br["Content-Length"]) == len(as_br.content) < len(plain.content) / 2
    assert as_gzip["Content-Encoding"] == "gzip"
    assert gzip.decompress(as_gzip.content) == plain.content
    assert "Content-Encoding" not in refused and refused.content == plain.content
    assert len({plain["ETag"], as_br["ETag"], as_gzip["ETag"]}) == 3
    again = client.get(url, headers={"accept-encoding": "br", "if-none-match": as_br["ETag"]})
    assert again.status_code == 304


def test_pages_with_a_secret_are_never_compressed(client, clinic_locations):
    from tests.factories import valid_booking_data

    # The confirmation shows this browser's reference; it is never cached or compressed.
    client.post(reverse("booking:create"), valid_booking_data())
    done = client.get(reverse("booking:done"), headers={"accept-encoding": "br, gzip"})

    assert done.status_code == 200
    assert "Content-Encoding" not in done
    assert b"KC-" in done.content


def test_the_accepted_encoding_follows_the_browsers_preferences():
    from pages.caching import accepted_encoding

    assert accepted_encoding("") == ""
    assert accepted_encoding("gzip, deflate, br, zstd") == "br"
    assert accepted_encoding("gzip") == "gzip"
    assert accepted_encoding("br;q=0, gzip;q=0.5") == "gzip"
    assert accepted_encoding("*") == "br"
    assert accepted_encoding("*;q=0") == ""
    assert accepted_encoding("identity, gzip;q=nonsense") == ""

"""Static files as production serves them: hashed, compressed, and small."""

import gzip
import re
from urllib.parse import urlparse

import brotli
import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from pages.content import PUBLIC_URL_NAMES

pytestmark = pytest.mark.django_db

# A first visit, as the browser transfers it (lighter than a stock WordPress
# page's 23.2 KB in 5 requests); the form carries more, uncompressed.
PAGE_BUDGET_BYTES = 20 * 1024
FORM_BUDGET_BYTES = 25 * 1024
PAGE_BUDGET_REQUESTS = 4
ASSET_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def test_collectstatic_builds_hashed_and_brotli_compressed_files(tmp_path):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)

    assert list(tmp_path.glob("css/site.*.css.br"))
    assert list(tmp_path.glob("css/bootstrap.*.css.br"))
    # Only the trimmed stylesheet is served: Bootstrap's full build is not collected.
    assert not list(tmp_path.glob("bootstrap/**/*"))
    assert (tmp_path / "staticfiles.json").exists()


def first_visit_bytes(client, url: str, **kwargs) -> tuple[int, int]:
    """(bytes, requests) a browser transfers for the page and its assets on a first visit.

    The page as the site sends it to a browser that accepts Brotli (cached
    pages compressed, the rest not); each asset Brotli-compressed, as
    WhiteNoise serves collected files.
    """
    response = client.get(url, headers={"accept-encoding": "gzip, deflate, br"}, **kwargs)
    html = response.content
    if response.get("Content-Encoding") == "br":
        html = brotli.decompress(html)
    elif response.get("Content-Encoding") == "gzip":
        html = gzip.decompress(html)
    assets = ASSET_URL.findall(html.decode())
    total = len(response.content)
    for asset in assets:
        path = finders.find(urlparse(asset).path.removeprefix("/static/"))
        with open(path, "rb") as f:
            total += len(brotli.compress(f.read()))
    assert "http://" not in html.decode().replace('href="http://testserver', "")
    return total, 1 + len(assets)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", PUBLIC_URL_NAMES)
def test_page_with_its_assets_fits_the_weight_budget(
    client, clinic_locations, settings, name, language
):
    # Canonical links and structured data use the public address, which is https.
    settings.SITE_URL = "https://www.example-clinic.test"
    with translation.override(language):
        url = reverse(name)

    total, requests = first_visit_bytes(client, url)

    assert requests <= PAGE_BUDGET_REQUESTS
    assert total <= PAGE_BUDGET_BYTES, f"{total} bytes"


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_form_confirmation_and_error_pages_fit_their_budgets(
    client, clinic_locations, settings, language
):
    from tests.factories import valid_booking_data

    settings.SITE_URL = "https://www.example-clinic.test"
    with translation.override(language):
        form_url, done_url = reverse("booking:create"), reverse("booking:done")
        not_found_url = reverse("pages:home") + "no-such-page/"

    form, form_requests = first_visit_bytes(client, form_url)
    client.post(form_url, valid_booking_data())
    confirmation, _ = first_visit_bytes(client, done_url)
    not_found, _ = first_visit_bytes(client, not_found_url)

    assert form_requests <= PAGE_BUDGET_REQUESTS
    assert form <= FORM_BUDGET_BYTES, f"form: {form} bytes"
    assert confirmation <= PAGE_BUDGET_BYTES, f"confirmation: {confirmation} bytes"
    assert not_found <= PAGE_BUDGET_BYTES, f"not found: {not_found} bytes"


def test_the_form_sent_back_with_errors_is_never_compressed(client, clinic_locations):
    # It repeats what the visitor typed next to the form token (BREACH).
    response = client.post(
        reverse("booking:create"), {"first_name": "Jo"}, headers={"accept-encoding": "gzip, br"}
    )

    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert b"Jo" in response.content


def test_the_trimmed_bootstrap_is_current():
    """static/css/bootstrap.css is what `manage.py build_css` makes from today's templates."""
    from pages.management.commands.build_css import OUTPUT, trimmed_bootstrap

    assert OUTPUT.read_text() == trimmed_bootstrap(), "Run `uv run manage.py build_css`."

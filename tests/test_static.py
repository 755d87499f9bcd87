"""Static files as production serves them: hashed, compressed, and small."""

import re
from urllib.parse import urlparse

import brotli
import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from pages.content import PUBLIC_URL_NAMES

pytestmark = pytest.mark.django_db

PAGE_BUDGET_BYTES = 60 * 1024
PAGE_BUDGET_REQUESTS = 6
ASSET_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def test_collectstatic_builds_hashed_and_brotli_compressed_files(tmp_path):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)

    assert list(tmp_path.glob("css/site.*.css.br"))
    assert list(tmp_path.glob("bootstrap/css/bootstrap.min.*.css.br"))
    assert (tmp_path / "staticfiles.json").exists()


@pytest.mark.parametrize("name", PUBLIC_URL_NAMES)
def test_page_with_its_assets_fits_the_weight_budget(client, clinic_locations, settings, name):
    # Canonical links and structured data use the public address, which is https.
    settings.SITE_URL = "https://www.example-clinic.test"
    html = client.get(reverse(name)).content
    assets = ASSET_URL.findall(html.decode())

    # What a browser transfers from WhiteNoise: each file Brotli-compressed.
    total = len(brotli.compress(html))
    for url in assets:
        path = finders.find(urlparse(url).path.removeprefix("/static/"))
        with open(path, "rb") as f:
            total += len(brotli.compress(f.read()))

    assert 1 + len(assets) <= PAGE_BUDGET_REQUESTS
    assert total <= PAGE_BUDGET_BYTES, f"{total} bytes"
    assert "http://" not in html.decode().replace('href="http://testserver', "")

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    # Pages are cached for everyone; a page rendered in one test must not
    # be served in the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def public_site_url(settings):
    settings.SITE_URL = "https://www.example-clinic.test"
    return settings.SITE_URL

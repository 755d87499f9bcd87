from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from pages.content import SITEMAP_URL_NAMES


class PageSitemap(Sitemap):
    """Every public page in every language, at the site's public address.

    Each entry lists its twin in the other language (hreflang alternates),
    and English as the default for everyone else.
    """

    i18n = True
    alternates = True
    x_default = True

    def items(self) -> list[str]:
        return SITEMAP_URL_NAMES

    def location(self, item: str) -> str:
        return reverse(item)

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc

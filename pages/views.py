from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from booking.selectors import location_directory
from pages import structured_data
from pages.caching import cached_page
from pages.content import HEALTH_PAGES, HEALTH_PAGES_BY_KEY
from pages.models import PageReview
from pages.selectors import clinic_facts

DEFAULT_ADMIN_URL = "admin/"


@require_safe
@cached_page
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pages/home.html",
        {**_locations_context(), "guides": HEALTH_PAGES, "facts": _facts()},
    )


@require_safe
@cached_page
def locations(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/locations.html", _locations_context())


def _facts() -> SimpleLazyObject:
    # Read once per rendering, and only by a page that shows a clinic fact.
    return SimpleLazyObject(clinic_facts)


def _locations_context() -> dict:
    locations = location_directory()
    return {
        "locations": locations,
        "structured_data": [structured_data.medical_clinic(loc) for loc in locations],
    }


@require_safe
@cached_page
def page(request: HttpRequest, template_name: str) -> HttpResponse:
    return render(request, template_name, {"guides": HEALTH_PAGES, "facts": _facts()})


@require_safe
@cached_page
def health_page(request: HttpRequest, key: str) -> HttpResponse:
    guide = HEALTH_PAGES_BY_KEY[key]
    review = PageReview.objects.filter(page=key, language=get_language()).first()
    return render(
        request,
        guide.template_name,
        {
            "guide": guide,
            "facts": _facts(),
            "review": review,
            "review_overdue": review is not None and review.is_overdue(on=timezone.localdate()),
            "structured_data": [structured_data.medical_web_page(guide, review=review)],
        },
    )


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *"]
    # Naming a secret admin path here would publish it; the admin's own pages
    # already tell crawlers not to index them (<meta name="robots">).
    if settings.ADMIN_URL == DEFAULT_ADMIN_URL:
        lines.append(f"Disallow: /{settings.ADMIN_URL}")
    else:
        lines.append("Disallow:")
    lines.append(f"Sitemap: {settings.SITE_URL}{reverse('sitemap')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")

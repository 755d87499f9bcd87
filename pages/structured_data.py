"""schema.org data for search engines, emitted as JSON-LD."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language

from booking.models import Location
from pages.content import HealthPage
from pages.models import PageReview

CLINIC_NAME = "Ketamine Center of Connecticut"


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def medical_clinic(location: Location) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "name": f"{CLINIC_NAME} — {location.name}",
        "url": absolute_url(reverse("pages:locations")) + f"#location-{location.slug}",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": location.street_address,
            "addressLocality": location.city,
            "addressRegion": location.state,
            "postalCode": location.postal_code,
            "addressCountry": "US",
        },
        "hasMap": location.map_url,
    }
    if location.phone:
        data["telephone"] = location.phone.as_e164
    if location.weekly_hours:
        data["openingHoursSpecification"] = [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": f"https://schema.org/{SCHEMA_DAYS[hours.weekday]}",
                "opens": hours.opens.isoformat("minutes"),
                "closes": hours.closes.isoformat("minutes"),
            }
            for hours in location.weekly_hours
        ]
    return data


SCHEMA_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def medical_web_page(page: HealthPage, *, review: PageReview | None) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": str(page.title),
        "description": str(page.description),
        "url": absolute_url(reverse(f"pages:{page.key}")),
        "inLanguage": f"{get_language()}-US",
        "publisher": {"@type": "MedicalOrganization", "name": CLINIC_NAME},
    }
    if review is not None:
        data["lastReviewed"] = review.last_reviewed.isoformat()
        data["reviewedBy"] = {
            "@type": "Person",
            "name": review.reviewer_name,
            "description": review.reviewer_credentials,
        }
    return data

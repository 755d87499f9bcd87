"""Findable: titles, descriptions, canonical links, sitemap, robots.txt, JSON-LD."""

import json
import re
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import translation

from pages.content import HEALTH_PAGES, PUBLIC_URL_NAMES, SITEMAP_URL_NAMES
from tests.factories import make_location
from tests.pages.factories import make_page_review

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def head_value(html: str, pattern: str) -> str:
    return re.search(pattern, html, re.DOTALL).group(1).strip()


def json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    return [json.loads(block) for block in blocks]


def test_every_page_has_its_own_title_and_description(client, clinic_locations):
    titles, descriptions = set(), set()
    for name in PUBLIC_URL_NAMES:
        html = client.get(reverse(name)).content.decode()
        titles.add(head_value(html, r"<title>(.*?)</title>"))
        descriptions.add(head_value(html, r'<meta name="description" content="(.*?)">'))

    assert len(titles) == len(PUBLIC_URL_NAMES)
    assert len(descriptions) == len(PUBLIC_URL_NAMES)
    assert all(50 <= len(description) <= 170 for description in descriptions)


@pytest.mark.parametrize("name", PUBLIC_URL_NAMES)
def test_canonical_link_uses_the_public_address_not_the_request_host(
    client, clinic_locations, public_site_url, name
):
    html = client.get(reverse(name), headers={"host": "localhost"}).content.decode()

    assert f'<link rel="canonical" href="{public_site_url}{reverse(name)}">' in html
    assert "localhost" not in html


def test_sitemap_lists_every_public_page_in_both_languages_at_the_public_address(
    client, public_site_url
):
    response = client.get(reverse("sitemap"))

    root = ElementTree.fromstring(response.content)
    locations = {loc.text for loc in root.findall("sm:url/sm:loc", SITEMAP_NS)}
    english = {public_site_url + reverse(name) for name in SITEMAP_URL_NAMES}
    with translation.override("es"):
        spanish = {public_site_url + reverse(name) for name in SITEMAP_URL_NAMES}
    assert response.status_code == 200
    assert locations == english | spanish
    assert all("/es/" in url for url in spanish) and not english & spanish


def test_each_sitemap_entry_names_its_twin_and_english_as_the_default(client, public_site_url):
    root = ElementTree.fromstring(client.get(reverse("sitemap")).content)
    spanish_risks = public_site_url + "/es/ketamina/riesgos-y-seguridad/"

    entry = next(
        url
        for url in root.findall("sm:url", SITEMAP_NS)
        if url.find("sm:loc", SITEMAP_NS).text == spanish_risks
    )
    alternates = {
        link.get("hreflang"): link.get("href")
        for link in entry.findall("{http://www.w3.org/1999/xhtml}link")
    }
    assert alternates == {
        "en": public_site_url + "/ketamine/risks-and-safety/",
        "es": spanish_risks,
        "x-default": public_site_url + "/ketamine/risks-and-safety/",
    }


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_the_admin(
    client, public_site_url
):
    response = client.get("/robots.txt")

    lines = response.content.decode().splitlines()
    assert response["Content-Type"].startswith("text/plain")
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert f"Sitemap: {public_site_url}/sitemap.xml" in lines


def test_robots_txt_does_not_reveal_a_secret_admin_address(client, settings):
    settings.ADMIN_URL = "staff-7d3k/"

    body = client.get("/robots.txt").content.decode()

    assert "staff-7d3k" not in body
    assert "Sitemap:" in body


def test_each_location_is_described_as_a_medical_clinic(client, clinic_locations):
    for name in ["pages:home", "pages:locations"]:
        html = client.get(reverse(name)).content.decode()
        clinics = [item for item in json_ld(html) if item["@type"] == "MedicalClinic"]

        assert len(clinics) == 2
        for clinic in clinics:
            assert clinic["@context"] == "https://schema.org"
            assert clinic["name"].startswith("Ketamine Center of Connecticut")
            assert clinic["url"].startswith("http")
            assert {"streetAddress", "addressLocality", "addressRegion", "postalCode"} <= set(
                clinic["address"]
            )
        milford = next(clinic for clinic in clinics if "Milford" in clinic["name"])
        assert milford["address"]["streetAddress"] == "232 Boston Post Rd, Suite 13"
        assert milford["address"]["postalCode"] == "06460"
        assert "telephone" not in milford


def test_clinic_data_includes_the_phone_once_staff_enter_it(client):
    make_location(phone="(203) 555-0100")

    html = client.get(reverse("pages:locations")).content.decode()

    assert json_ld(html)[0]["telephone"] == "+12035550100"


def test_structured_data_cannot_break_out_of_its_script_element(client):
    make_location(name="Evil </script><script>alert(1)</script>")

    html = client.get(reverse("pages:locations")).content.decode()

    assert "<script>alert(1)" not in html
    assert json_ld(html)[0]["name"].endswith("Evil </script><script>alert(1)</script>")


@pytest.mark.parametrize("guide", HEALTH_PAGES, ids=lambda guide: guide.key)
def test_health_page_is_described_as_a_medical_web_page(client, guide):
    html = client.get(reverse(f"pages:{guide.key}")).content.decode()

    [data] = json_ld(html)
    assert data["@type"] == "MedicalWebPage"
    assert data["name"] == str(guide.title)
    assert data["url"].endswith(reverse(f"pages:{guide.key}"))
    assert data["description"] == str(guide.description)
    assert "lastReviewed" not in data
    assert "reviewedBy" not in data


def test_medical_web_page_carries_the_recorded_review_date(client):
    review = make_page_review(page="faq")

    html = client.get(reverse("pages:faq")).content.decode()

    [data] = json_ld(html)
    assert data["lastReviewed"] == review.last_reviewed.isoformat()
    assert data["reviewedBy"]["name"] == "Dr. Test Reviewer"

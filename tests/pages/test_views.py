import datetime
import re

import pytest
from django.urls import reverse

from booking.models import Location
from pages.content import HEALTH_PAGES, PUBLIC_URL_NAMES
from tests.factories import make_location

pytestmark = pytest.mark.django_db


def test_home_page_shows_both_offices_crisis_line_and_call_to_action(client, clinic_locations):
    response = client.get(reverse("pages:home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "232 Boston Post Rd, Suite 13" in html
    assert "Milford, CT 06460" in html
    assert "1720 Post Rd E, Suite 222" in html
    assert "Westport, CT 06880" in html
    assert 'href="tel:988"' in html
    assert 'href="sms:988"' in html
    assert 'href="tel:911"' in html
    assert "Request a consultation" in html


def test_home_page_sets_no_cookies(client, clinic_locations):
    response = client.get(reverse("pages:home"))

    assert response.cookies == {}


def test_inactive_locations_are_not_shown(client, clinic_locations):
    Location.objects.filter(slug="westport").update(is_active=False)

    html = client.get(reverse("pages:home")).content.decode()

    assert "Westport, CT 06880" not in html
    assert "Milford, CT 06460" in html


def test_locations_page_hides_phone_and_hours_until_staff_enter_them(client):
    make_location(name="Hartford", slug="hartford")

    html = client.get(reverse("pages:locations")).content.decode()

    assert "tel:" not in html.replace('href="tel:988"', "").replace('href="tel:911"', "")
    assert "Opening hours" not in html


def test_locations_page_shows_phone_and_hours_once_staff_enter_them(client):
    from booking import services

    hartford = make_location(
        name="Hartford", slug="hartford", phone="(203) 555-0100", public_email="hi@example.org"
    )
    services.opening_hours_set(
        location=hartford,
        weekly=[(day, datetime.time(9), datetime.time(17)) for day in range(5)]
        + [(5, datetime.time(9, 30), datetime.time(12))],
    )

    html = client.get(reverse("pages:locations")).content.decode()

    assert 'href="tel:+12035550100">(203) 555-0100</a>' in html
    assert 'href="mailto:hi@example.org"' in html
    assert "Mon–Fri: 9:00 AM – 5:00 PM<br>Sat: 9:30 AM – 12:00 PM<br>Sun: closed" in html


def test_locations_page_offers_a_map_and_a_request_link_per_office(client, clinic_locations):
    html = client.get(reverse("pages:locations")).content.decode()

    for location in clinic_locations:
        card = html.split(f'id="location-{location.slug}"')[1].split("</section>")[0]
        assert "https://www.google.com/maps/search/" in card
        assert f'<span class="visually-hidden"> at {location.name}</span>' in card


@pytest.mark.parametrize("name", PUBLIC_URL_NAMES)
def test_every_page_has_one_heading_and_the_crisis_line(client, clinic_locations, name):
    response = client.get(reverse(name))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "In crisis?" in html
    assert 'href="tel:988"' in html


@pytest.mark.parametrize("guide", HEALTH_PAGES, ids=lambda guide: guide.key)
def test_health_page_is_headed_with_its_title(client, guide):
    html = client.get(reverse(f"pages:{guide.key}")).content.decode()

    assert re.search(rf"<h1>{re.escape(str(guide.title))}</h1>", html)


def test_physician_page_names_dr_ang_as_the_supervising_physician(client):
    html = client.get(reverse("pages:physician")).content.decode()

    assert "Dr. Gino Ang is the physician in charge of ketamine treatment" in html
    assert "supervises every ketamine treatment" in html


def test_guide_hub_links_every_health_page(client):
    html = client.get(reverse("pages:guide")).content.decode()

    for page in HEALTH_PAGES:
        assert f'href="{reverse(f"pages:{page.key}")}"' in html


def test_navigation_reaches_the_guides_faq_locations_and_crisis_help(client):
    html = client.get(reverse("pages:home")).content.decode()
    nav = html.split('<nav class="site-nav"')[1].split("</nav>")[0]

    for name in ["pages:guide", "pages:faq", "pages:locations", "pages:crisis"]:
        assert f'href="{reverse(name)}"' in nav


def test_navigation_marks_the_guide_section_on_a_guide_page(client):
    html = client.get(reverse("pages:risks")).content.decode()

    assert f'href="{reverse("pages:guide")}" aria-current="true"' in html


def test_head_requests_are_answered(client, clinic_locations):
    assert client.head(reverse("pages:home")).status_code == 200


def test_pages_refuse_posts(client):
    assert client.post(reverse("pages:risks")).status_code == 405

import pytest
from django.urls import reverse

from booking.models import Location
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


def test_locations_page_shows_phone_and_hours_only_once_staff_enter_them(client):
    office = make_location(name="Hartford", slug="hartford")
    html = client.get(reverse("pages:locations")).content.decode()
    assert "tel:" not in html.replace('href="tel:988"', "").replace('href="tel:911"', "")
    assert "Opening hours" not in html

    office.phone = "(203) 555-0100"
    office.hours = "Mon–Fri 9am–5pm\n\nSat by appointment"
    office.save()
    html = client.get(reverse("pages:locations")).content.decode()

    assert 'href="tel:2035550100"' in html
    assert "<li>Mon–Fri 9am–5pm</li>" in html
    assert "<li>Sat by appointment</li>" in html


@pytest.mark.parametrize("name", ["pages:home", "pages:locations", "pages:crisis", "pages:privacy"])
def test_every_page_has_its_own_title_and_the_crisis_line(client, clinic_locations, name):
    html = client.get(reverse(name)).content.decode()

    assert html.count("<h1") == 1
    assert "In crisis?" in html
    assert 'href="tel:988"' in html


def test_page_titles_are_unique(client, clinic_locations):
    titles = set()
    names = ["pages:home", "pages:locations", "pages:crisis", "pages:privacy"]
    for name in names:
        html = client.get(reverse(name)).content.decode()
        titles.add(html.split("<title>")[1].split("</title>")[0])

    assert len(titles) == len(names)


def test_head_requests_are_answered(client, clinic_locations):
    assert client.head(reverse("pages:home")).status_code == 200

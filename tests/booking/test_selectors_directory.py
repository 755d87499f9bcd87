import pytest
from django.db import OperationalError
from django.db.models import QuerySet

from booking.selectors import location_directory, location_directory_last_known
from tests.factories import make_location

pytestmark = pytest.mark.django_db


def _database_down(monkeypatch):
    def refuse(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(QuerySet, "_fetch_all", refuse)


def test_directory_lists_active_locations_in_display_order(clinic_locations):
    make_location(name="Closed Office", slug="closed", is_active=False)

    assert [loc.name for loc in location_directory()] == ["Milford", "Westport"]


def test_directory_falls_back_to_the_last_copy_while_the_database_is_down(
    clinic_locations, monkeypatch
):
    location_directory()
    _database_down(monkeypatch)

    offices = location_directory()

    assert [loc.street_address for loc in offices] == [
        "232 Boston Post Rd, Suite 13",
        "1720 Post Rd E, Suite 222",
    ]


def test_directory_copy_follows_changes_made_while_the_database_is_up(clinic_locations):
    location_directory()
    make_location(name="Hartford", slug="hartford", display_order=9)

    location_directory()

    assert [loc.name for loc in location_directory_last_known()][-1] == "Hartford"


def test_directory_is_empty_when_the_database_is_down_and_nothing_was_cached(monkeypatch):
    _database_down(monkeypatch)

    assert location_directory() == []


def test_content_pages_render_from_the_copy_while_the_database_is_down(
    client, clinic_locations, monkeypatch
):
    location_directory()
    _database_down(monkeypatch)

    response = client.get("/locations/")

    assert response.status_code == 200
    assert "232 Boston Post Rd" in response.content.decode()

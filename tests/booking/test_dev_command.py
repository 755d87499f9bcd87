import pytest

from booking.management.commands.dev import Command
from booking.models import Booking

pytestmark = pytest.mark.django_db


def test_demo_data_shows_work_in_progress_in_the_console(clinic_locations):
    command = Command()
    command.reset_dev_login()

    command.add_demo_requests()

    assert Booking.objects.count() == 5
    assert Booking.objects.filter(status="scheduled").count() == 1
    assert Booking.objects.filter(contact_attempts__outcome="voicemail").count() == 1
    command.add_demo_requests()  # a second run adds nothing
    assert Booking.objects.count() == 5


def test_demo_data_lets_a_newcomer_pick_a_time_at_milford(clinic_locations):
    from booking.availability import offered_kinds
    from booking.models import Location

    command = Command()
    command.reset_dev_login()

    command.add_demo_availability()
    command.add_demo_requests()

    milford = Location.objects.get(slug="milford")
    assert offered_kinds(milford) == ["in_person", "video", "phone"]
    assert Booking.objects.filter(scheduled_by_patient=True, status="scheduled").count() == 1

import pytest
from django.db import IntegrityError

from booking import services
from booking.models import Booking
from tests.factories import make_booking

pytestmark = pytest.mark.django_db


def test_a_reference_collision_draws_a_new_reference(monkeypatch):
    first = make_booking()
    references = iter([first.reference, "KC-ZZZZZZ"])
    monkeypatch.setattr(services, "new_reference", lambda: next(references))

    second = make_booking()

    assert second.reference == "KC-ZZZZZZ"
    assert Booking.objects.count() == 2


def test_the_database_refuses_a_request_without_consent():
    with pytest.raises(IntegrityError):
        make_booking(consent_privacy=False)
    assert Booking.objects.count() == 0

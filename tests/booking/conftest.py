"""Staff users and their logged-in browsers, each with a client of its own."""

import pytest
from django.test import Client

from tests.factories import make_manager, make_staff


@pytest.fixture
def desk(clinic_locations):
    """Milford's front desk."""
    return make_staff(first_name="Dana", last_name="Desk")


@pytest.fixture
def desk_client(desk):
    client = Client()
    client.force_login(desk)
    return client


@pytest.fixture
def manager(clinic_locations):
    return make_manager()


@pytest.fixture
def manager_client(manager):
    client = Client()
    client.force_login(manager)
    return client

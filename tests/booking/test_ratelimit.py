import threading

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from booking import services
from booking.models import Booking
from booking.ratelimit import client_ip, client_key
from tests.factories import valid_booking_data

CREATE_URL = reverse("booking:create")


def test_client_address_ignores_forwarded_header_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert client_ip(request) == "10.0.0.5"


def test_client_address_trusts_only_what_our_own_proxy_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )

    assert client_ip(request) == "198.51.100.7"


def test_rate_limit_key_is_a_hash_not_the_address(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")

    key = client_key(request)

    assert "198.51.100.7" not in key
    assert len(key) == 32


# --- The request limit holds when requests arrive together ------------------------------


def test_many_requests_reserving_at_once_get_exactly_the_limit():
    from booking import ratelimit

    limit, racers = 5, 40
    start = threading.Barrier(racers, timeout=30)
    granted = []

    def race() -> None:
        start.wait()
        if ratelimit.reserve("booking-new", "one-address", limit) is not None:
            granted.append(True)

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(granted) == limit


def test_a_slot_given_back_can_be_taken_again_and_only_once():
    from booking import ratelimit

    first = ratelimit.reserve("booking-new", "one-address", 1)
    assert ratelimit.reserve("booking-new", "one-address", 1) is None

    first.release()
    first.release()  # giving back twice frees one slot, not two

    assert ratelimit.reserve("booking-new", "one-address", 1) is not None
    assert ratelimit.reserve("booking-new", "one-address", 1) is None


@pytest.mark.django_db
def test_requests_arriving_while_one_is_being_stored_cannot_overshoot_the_limit(
    client, clinic_locations, settings, monkeypatch
):
    settings.BOOKING_REQUESTS_PER_HOUR = 2
    store = services.booking_create
    others = []

    def storing_while_five_more_arrive(**fields):
        if not others:
            others.append("arriving")
            # Five more browsers at the same address send while this one is
            # between its checks and its insert.
            others[:] = [
                Client().post(CREATE_URL, valid_booking_data(first_name=f"Other {n}")).status_code
                for n in range(5)
            ]
        return store(**fields)

    monkeypatch.setattr(services, "booking_create", storing_while_five_more_arrive)

    response = client.post(CREATE_URL, valid_booking_data())

    assert response.status_code == 302
    assert sorted(others) == [302, 429, 429, 429, 429]
    assert Booking.objects.count() == 2

from django.test import RequestFactory

from booking.ratelimit import client_ip, client_key


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

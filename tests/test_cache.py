import os

import pytest
import redis

from clinic_site.cache import RedisCache

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_cache():
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": "test"})
    try:
        cache.clear()
    except redis.ConnectionError:
        reason = f"No Redis at {REDIS_URL}; start one with `redis-server`."
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    yield cache
    cache.clear()


def test_redis_cache_stores_reads_and_counts_like_djangos(redis_cache):
    redis_cache.set("page", {"content": b"<html>"})
    assert redis_cache.add("hits", 1)
    assert redis_cache.incr("hits") == 2

    assert redis_cache.get_many(["page", "missing"]) == {"page": {"content": b"<html>"}}
    assert redis_cache.get("hits") == 2


def test_redis_cache_keeps_one_client_instead_of_building_one_per_call(redis_cache):
    client = redis_cache._cache.get_client()

    redis_cache.set("key", "value")

    assert redis_cache._cache.get_client(write=True) is client

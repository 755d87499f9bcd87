"""Drill: two machines behind a load balancer, sharing PostgreSQL and Redis.

Two gunicorn instances ("a" and "b", production settings) behind HAProxy,
which health-checks /healthz, adds X-Forwarded-For (so the site trusts one
proxy: DJANGO_TRUSTED_PROXY_COUNT=1) and says which instance answered in
X-Served-By. A request carrying X-Drill-Server: a (or b) is sent to that
instance while it is up, so the drill can play one machine against the other.

- A change staff save through one instance shows on the other's cached pages
  within the second each process trusts the content version it read.
- The rate limit counts requests wherever they land.
- One instance SIGKILLed under load: every confirmation a patient saw is one
  stored request, and the other instance carries on alone.
"""

import contextlib
import os
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from booking.models import Booking, Location
from tests.factories import valid_booking_data
from tests.faults import free_port
from tests.production_server import (
    FORM,
    Browser,
    Patients,
    Server,
    assert_each_confirmation_is_one_row,
    form_fields,
    gunicorn_server,
    hidden_inputs,
    log_in_staff,
)

ADMIN = "/staff-desk/"
HAPROXY_START_SECONDS = 10
# The production default (DJANGO_PUBLIC_CONTENT_TRUST_SECONDS).
TRUST_SECONDS = 1.0
# Health checks every 250 ms; two failures in a row take an instance out.
HAPROXY_CONFIG = """\
global
    maxconn 1000

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    # A connection an instance refuses is tried again on the other one.
    retries 3
    option redispatch 1
    option forwardfor

frontend site
    bind 127.0.0.1:{port}
    # TLS would end here, at the load balancer.
    http-request set-header X-Forwarded-Proto https
    default_backend instances

backend instances
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    # A busy instance answers the check after the requests queued before it:
    # give it time, or the load alone takes instances out. A dead one
    # refuses the connection, which fails the check at once.
    timeout check 5s
    default-server check inter 250ms fall 2 rise 2
    use-server a if {{ req.hdr(x-drill-server) -m str a }}
    use-server b if {{ req.hdr(x-drill-server) -m str b }}
    http-response set-header X-Served-By %[srv_name]
    server a 127.0.0.1:{port_a}
    server b 127.0.0.1:{port_b}
"""


@dataclass
class Cluster:
    url: str  # HAProxy's address: what the public would reach
    instances: dict[str, Server]  # "a" and "b"

    def via(self, instance: str, **options) -> Browser:
        """A browser whose requests HAProxy sends to this instance."""
        return Browser(self.url, headers={"X-Drill-Server": instance}, **options)


@pytest.fixture
def haproxy_binary() -> str:
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if not found:
        reason = "HAProxy not found; install it with `apt-get install haproxy`."
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return found


@contextlib.contextmanager
def haproxy(binary: str, servers: dict[str, Server], workdir: Path) -> Iterator[str]:
    """HAProxy in front of the servers; yields its URL once it reaches every one."""
    port = free_port()
    ports = {f"port_{name}": server.base_url.rpartition(":")[2] for name, server in servers.items()}
    config = workdir / "haproxy.cfg"
    config.write_text(HAPROXY_CONFIG.format(port=port, **ports))
    subprocess.run([binary, "-c", "-q", "-f", str(config)], check=True, timeout=30)
    log = workdir / "haproxy.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [binary, "-db", "-f", str(config)], stdout=log_file, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + HAPROXY_START_SECONDS
        waiting = set(servers)
        while waiting and time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"HAProxy exited:\n{log.read_text()}")
            for name in list(waiting):
                with contextlib.suppress(OSError):
                    health = Browser(url, headers={"X-Drill-Server": name}).get("/healthz")
                    if health.status == 200 and health.headers["X-Served-By"] == name:
                        waiting.discard(name)
            time.sleep(0.1)
        if waiting:
            raise RuntimeError(f"HAProxy never reached {waiting}:\n{log.read_text()}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def cluster(haproxy_binary, test_database, site_env, tmp_path):
    """Start two instances and HAProxy; settings overrides may be given."""
    *_, url = test_database

    @contextlib.contextmanager
    def start(**overrides: str) -> Iterator[Cluster]:
        # One environment for both: the same secret key, database and Redis.
        env = site_env(url, DJANGO_ADMIN_URL=ADMIN.lstrip("/"), DJANGO_TRUSTED_PROXY_COUNT="1")
        env.update(overrides)
        with contextlib.ExitStack() as stack:
            instances = {
                name: stack.enter_context(
                    gunicorn_server(env, workers=2, log=tmp_path / f"gunicorn-{name}.log")
                )
                for name in ("a", "b")
            }
            proxy_url = stack.enter_context(haproxy(haproxy_binary, instances, tmp_path))
            yield Cluster(proxy_url, instances)

    return start


def test_an_office_changed_through_one_instance_shows_at_once_on_the_other(
    cluster, manager_authenticator, drill_redis_url
):
    milford = Location.objects.get(slug="milford")
    with cluster() as site:
        for path in ["/locations/", "/"]:
            for _ in range(2):  # rendered, then served from the shared cache
                page = site.via("b").get(path)
                assert page.status == 200
                assert page.headers["X-Served-By"] == "b"
                assert "tel:+12035550199" not in page.text
        pages_in_redis = redis.Redis.from_url(drill_redis_url).keys("*pages:page:*")
        assert len(pages_in_redis) == 2

        staff = site.via("a")
        log_in_staff(staff, ADMIN, username="manager", device=manager_authenticator)
        change = f"{ADMIN}booking/location/{milford.pk}/change/"
        form = staff.get(change)
        assert form.headers["X-Served-By"] == "a"
        fields = [
            (name, "(203) 555-0199" if name == "phone" else value)
            for name, value in form_fields(form.text, "location_form")
        ]
        assert ("phone", "(203) 555-0199") in fields
        saved = staff.post_form(change, fields)
        assert saved.status == 302, saved.text
        assert saved.headers["X-Served-By"] == "a"

        # b trusts the content version it last read for a second (no Redis
        # round trip per page): the change must show there within that
        # second. Polled, to measure how long it took, not to wait out a race.
        saved_at = time.monotonic()
        for path in ["/locations/", "/"]:
            while True:
                page = site.via("b").get(path)
                assert page.headers["X-Served-By"] == "b"
                shown = 'href="tel:+12035550199"' in page.text
                if shown or time.monotonic() - saved_at > TRUST_SECONDS + 1:
                    break
                time.sleep(0.02)
            assert shown, path
        delay = time.monotonic() - saved_at
        assert delay <= TRUST_SECONDS + 0.3, delay
    print(
        "\ntwo instances, office change: saved through a, "
        f"shown by b's cached /locations/ and / after {delay:.2f} s (trust {TRUST_SECONDS:g} s)"
    )


REQUESTS_PER_HOUR = 4


def test_the_rate_limit_counts_across_both_instances(cluster):
    def send_requests(browsers: list[Browser], address: str) -> list[tuple[str, int]]:
        """One consultation request per browser; what each answered, and where."""
        answers = []
        for number, browser in enumerate(browsers):
            # Whatever a client writes in X-Forwarded-For is not its address:
            # the site reads the one HAProxy appended.
            browser.headers["X-Forwarded-For"] = f"10.0.{number}.1"
            form = browser.get(FORM)
            email = f"limit-{address}-{number}@example.com"
            answers_sent = valid_booking_data(email=email, **hidden_inputs(form.text))
            sent = browser.post_form(FORM, answers_sent)
            assert sent.headers["X-Served-By"] == browser.headers["X-Drill-Server"]
            answers.append((sent.headers["X-Served-By"], sent.status))
        return answers

    tries = REQUESTS_PER_HOUR + 4
    with cluster(DJANGO_BOOKING_REQUESTS_PER_HOUR=str(REQUESTS_PER_HOUR)) as site:
        # One visitor, each request on the other instance...
        alternating = send_requests(
            [site.via("ab"[n % 2], source_address="127.0.0.2") for n in range(tries)],
            "127.0.0.2",
        )
        # ...and another, every request on the same instance.
        one_instance = send_requests(
            [site.via("a", source_address="127.0.0.3") for _ in range(tries)], "127.0.0.3"
        )

    accepted = REQUESTS_PER_HOUR * [302]
    refused = (tries - REQUESTS_PER_HOUR) * [429]
    assert [status for _, status in alternating] == accepted + refused
    assert [status for _, status in one_instance] == accepted + refused
    assert {instance for instance, status in alternating if status == 429} == {"a", "b"}
    assert Booking.objects.count() == 2 * REQUESTS_PER_HOUR
    print(
        f"\ntwo instances, rate limit {REQUESTS_PER_HOUR} an hour: alternating a/b, "
        f"{sum(status == 302 for _, status in alternating)} of {tries} accepted; "
        f"all on a, {sum(status == 302 for _, status in one_instance)} of {tries} accepted"
    )


CLIENTS = 20
SECONDS = 8
KILL_AFTER_SECONDS = 3
# Requests on their way to the killed instance fail; after this, none may.
FAILOVER_SECONDS = 2


def test_one_instance_killed_under_load_loses_nothing(cluster):
    with cluster() as site:
        killed_at = None

        def kill_a() -> None:
            nonlocal killed_at
            time.sleep(KILL_AFTER_SECONDS)
            killed_at = patients.now()
            site.instances["a"].kill()

        patients = Patients(site.url)
        patients.run(CLIENTS, SECONDS, meanwhile=kill_a)
        still_up = site.via("b").get("/healthz")

    errors = patients.errors
    before = Counter(a.served_by for a in patients.answers if a.at < killed_at)
    after = Counter(a.served_by for a in patients.answers if a.at > killed_at + FAILOVER_SECONDS)
    stored = Booking.objects.count()
    print(
        f"\ntwo instances, {CLIENTS} clients, a SIGKILLed at {killed_at:.1f} s: "
        f"{patients.figures()}, {stored} rows stored\n"
        f"  answered by a {before['a']} and b {before['b']} before the kill, "
        f"by a {after['a']} and b {after['b']} from {FAILOVER_SECONDS} s after it; "
        f"last error {max((e.at - killed_at for e in errors), default=0):.2f} s after the kill"
    )
    assert still_up.status == 200
    assert before["a"] > 0 and before["b"] > 0  # both served until the kill
    assert set(after) == {"b"}
    assert [e for e in errors if not killed_at <= e.at <= killed_at + FAILOVER_SECONDS] == []
    assert patients.unconfirmed == set()  # whoever saw an error sent again, and got through
    assert_each_confirmation_is_one_row(patients.confirmed)

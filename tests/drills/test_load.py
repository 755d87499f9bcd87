"""Drill: a Monday morning. Fifty people send requests at once, for a while.

gunicorn with the repository's config and production settings, against
PostgreSQL. Every request that was confirmed must be stored exactly once,
with its emails queued; nothing may fail with a 5xx.
"""

import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from django.db.models import Count
from django_tasks_db.models import DBTaskResult

from booking.models import Booking, Notification
from tests.factories import valid_booking_data
from tests.production_server import Browser, gunicorn, hidden_inputs

CLIENTS = 50
SECONDS = 8
FORM = "/request-consultation/"
REFERENCE = re.compile(r'confirmation-panel__reference">(KC-[A-Z0-9]{6})<')


def test_fifty_concurrent_clients_lose_nothing_and_store_nothing_twice(
    test_database, site_env, tmp_path
):
    *_, url = test_database
    statuses: Counter[int] = Counter()
    confirmed: dict[str, str] = {}  # email → reference the patient was shown
    lock = threading.Lock()

    def patient(number: int, deadline: float) -> None:
        attempt = 0
        while time.monotonic() < deadline:
            attempt += 1
            email = f"load-{number}-{attempt}@example.com"
            browser = Browser(base_url)
            form = browser.get(FORM)
            answers = valid_booking_data(email=email, **hidden_inputs(form.text))
            sent = browser.post_form(FORM, answers)
            # Every third patient double-clicks: the same form again, from
            # another connection, while the first answer is on its way.
            if attempt % 3 == 0:
                again = Browser(base_url, cookies=dict(browser.cookies)).post_form(FORM, answers)
                with lock:
                    statuses[again.status] += 1
            done = browser.get(sent.headers["Location"]) if sent.status == 302 else None
            with lock:
                statuses.update(r.status for r in (form, sent, done) if r is not None)
                if done is not None and done.status == 200:
                    confirmed[email] = REFERENCE.search(done.text).group(1)

    with gunicorn(site_env(url), log=tmp_path / "gunicorn.log") as base_url:
        deadline = time.monotonic() + SECONDS
        with ThreadPoolExecutor(CLIENTS) as pool:
            for future in [pool.submit(patient, n, deadline) for n in range(CLIENTS)]:
                future.result()

    stored = dict(Booking.objects.values_list("email", "reference"))
    assert not [status for status in statuses if status >= 500], statuses
    assert len(confirmed) >= CLIENTS, statuses  # every client got through at least once
    assert stored == confirmed  # each confirmation is one row, and no row is unconfirmed
    per_booking = Notification.objects.values("booking").annotate(n=Count("id"))
    assert {row["n"] for row in per_booking} == {2}  # front desk and patient
    assert DBTaskResult.objects.count() == 2 * len(confirmed)

"""The site run the way production runs it, for drills and benchmarks.

gunicorn with the repository's config, production settings (DEBUG off,
HTTPS-only cookies, HSTS), static files collected and compressed, behind a
pretend load balancer: every request says it arrived over HTTPS.
"""

import contextlib
import http.client
import math
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

from django.db.models import Count
from django_otp.oath import totp
from django_tasks_db.models import DBTaskResult

from booking.models import Booking, Notification
from tests.factories import STAFF_PASSWORD, valid_booking_data
from tests.faults import free_port

BASE_DIR = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 30


def production_env(*, database_url: str, workdir: Path, **overrides: str) -> dict[str, str]:
    """Environment for manage.py and gunicorn under production settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_")) and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="clinic_site.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        DJANGO_FILE_CACHE_DIR=str(workdir / "cache"),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DATABASE_URL=database_url,
        GUNICORN_LOG_LEVEL="warning",
        DJANGO_LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, timeout=300
    )


@dataclass
class Server:
    """A running gunicorn: its master and workers, in a process group of their own."""

    base_url: str
    process: subprocess.Popen

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, as when a machine dies."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@contextlib.contextmanager
def gunicorn_server(env: dict[str, str], *, workers: int = 2, log: Path) -> Iterator[Server]:
    """Serve the site; yields the server once /healthz answers, and stops it all afterwards."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "clinic_site/gunicorn.conf.py"],
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so nothing outlives it
        )
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        _wait_until_healthy(server.base_url, process, log)
        yield server
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
        server.kill()  # a worker left behind by a master that died


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 2, log: Path) -> Iterator[str]:
    """Serve the site; yields its base URL once /healthz answers."""
    with gunicorn_server(env, workers=workers, log=log) as server:
        yield server.base_url


def _wait_until_healthy(base_url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()}")
        try:
            if Browser(base_url).get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not become healthy:\n{log.read_text()}")


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def header_list(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []


@dataclass
class Browser:
    """A minimal HTTP client that keeps cookies, as one visitor's browser.

    Requests carry X-Forwarded-Proto: https, as the load balancer adds, so
    secure cookies and the HTTPS redirect behave as in production. `headers`
    go with every request; `source_address` is the local address to connect
    from (any 127.x.y.z works on Linux), to play a visitor at another address.
    """

    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30
    headers: dict[str, str] = field(default_factory=dict)
    source_address: str | None = None

    def request(self, method: str, path: str, body: bytes = b"", headers=None) -> Response:
        url = urllib.parse.urlsplit(self.base_url)
        all_headers = {
            "Host": url.netloc,
            "X-Forwarded-Proto": "https",
            "User-Agent": "clinic-drill",
            **self.headers,
            **(headers or {}),
        }
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        source = (self.source_address, 0) if self.source_address else None
        connection = http.client.HTTPConnection(
            url.hostname, url.port, timeout=self.timeout, source_address=source
        )
        try:
            connection.request(method, path, body=body or None, headers=all_headers)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            connection.close()
        for header in response.header_list("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def get(self, path: str, **headers: str) -> Response:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, data: dict) -> Response:
        origin = "https://" + urllib.parse.urlsplit(self.base_url).netloc
        return self.request(
            "POST",
            path,
            body=urllib.parse.urlencode(data, doseq=True).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + path,
            },
        )


def hidden_inputs(html: str) -> dict[str, str]:
    """The hidden fields of a page's form (CSRF token, form token)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


class _FormFields(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
        if not self.in_form or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((attrs["name"], attrs.get("value") or "on"))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self.fields.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "select":
            self._select, self._options = attrs["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((attrs.get("value") or "", "selected" in attrs))
        elif tag == "textarea":
            self._textarea, self._text = attrs["name"], ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            self.fields += [(self._select, v) for v in chosen or [self._options[0][0]]]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    """What a browser would send for the form as the page shows it."""
    parser = _FormFields(form_id)
    parser.feed(html)
    return parser.fields


def log_in_staff(browser: Browser, admin: str, *, username: str, device) -> None:
    """Log in through the admin's two-factor login page, as staff do."""
    login = browser.get(admin + "login/")
    logged_in = browser.post_form(
        admin + "login/",
        {
            **hidden_inputs(login.text),
            "username": username,
            "password": STAFF_PASSWORD,
            "otp_token": f"{totp(device.bin_key):06d}",
            "next": admin,
        },
    )
    assert logged_in.status == 302, "the two-factor login failed"


FORM = "/request-consultation/"
REFERENCE = re.compile(r'confirmation-panel__reference">(KC-[A-Z0-9]{6})<')
# A patient who sees an error page, or no answer, tries again a moment later;
# the same form is sent RESENDS times at most.
RESENDS = 5
PATIENCE_SECONDS = 0.2


@dataclass
class Answer:
    at: float  # seconds into the run when it came back
    status: int | None  # None: no answer at all (refused, reset, timed out)
    served_by: str  # the X-Served-By header of the load balancer, when there is one


@dataclass
class Patients:
    """Patients sending consultation requests at machine speed, and what they saw.

    Each one opens the form, sends it and opens the confirmation, again and
    again until the time is up; every third one double-clicks (the same form
    again, from another connection). As people do, a patient who gets an
    error page or no answer sends the same form again (RESENDS times at most).
    """

    base_url: str
    answers: list[Answer] = field(default_factory=list)
    confirmed: dict[str, str] = field(default_factory=dict)  # email → reference shown
    unconfirmed: set[str] = field(default_factory=set)  # sent, but never confirmed
    submissions: int = 0  # forms sent, resends and double clicks included
    seconds: float = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _start: float = 0

    def run(
        self, clients: int, seconds: float, *, meanwhile: Callable[[], None] | None = None
    ) -> "Patients":
        """Send for `seconds`; `meanwhile` runs in this thread while the patients send."""
        self._start = time.monotonic()
        deadline = self._start + seconds
        with ThreadPoolExecutor(clients) as pool:
            futures = [pool.submit(self._patient, n, deadline) for n in range(clients)]
            if meanwhile is not None:
                meanwhile()
            for future in futures:
                future.result()
        self.seconds = time.monotonic() - self._start
        return self

    def now(self) -> float:
        return time.monotonic() - self._start

    @property
    def statuses(self) -> Counter:
        return Counter(answer.status for answer in self.answers)

    @property
    def errors(self) -> list[Answer]:
        """Answers that were 5xx, or never came."""
        return [a for a in self.answers if a.status is None or a.status >= 500]

    def figures(self) -> str:
        errors = Counter("no answer" if e.status is None else e.status for e in self.errors)
        return (
            f"{len(self.answers)} requests sent in {self.seconds:.1f} s, "
            f"{self.submissions} forms sent (resends and double clicks included), "
            f"{len(self.confirmed)} confirmed, {len(self.unconfirmed)} never confirmed, "
            f"{len(self.errors)} errors {dict(errors) if errors else ''}"
        ).strip()

    def _patient(self, number: int, deadline: float) -> None:
        attempt = 0
        while time.monotonic() < deadline:
            attempt += 1
            email = f"load-{number}-{attempt}@example.com"
            browser = Browser(self.base_url)
            form = self._send(partial(browser.get, FORM))
            if form is None or form.status != 200:
                time.sleep(PATIENCE_SECONDS)
                continue
            answers = valid_booking_data(email=email, **hidden_inputs(form.text))
            sent = self._until_answered(partial(browser.post_form, FORM, answers), submission=True)
            if attempt % 3 == 0:
                double_click = Browser(self.base_url, cookies=dict(browser.cookies))
                self._send(partial(double_click.post_form, FORM, answers), submission=True)
            done = None
            if sent is not None and sent.status == 302:
                done = self._until_answered(partial(browser.get, sent.headers["Location"]))
            with self._lock:
                if done is not None and done.status == 200:
                    self.confirmed[email] = REFERENCE.search(done.text).group(1)
                else:
                    self.unconfirmed.add(email)

    def _until_answered(
        self, request: Callable[[], Response], *, submission: bool = False
    ) -> Response | None:
        for _ in range(RESENDS):
            response = self._send(request, submission=submission)
            if response is not None and response.status < 500:
                break
            time.sleep(PATIENCE_SECONDS)
        return response

    def _send(
        self, request: Callable[[], Response], *, submission: bool = False
    ) -> Response | None:
        try:
            response = request()
        except (OSError, http.client.HTTPException):
            response = None
        answer = Answer(self.now(), None, "")
        if response is not None:
            answer.status = response.status
            answer.served_by = response.headers.get("X-Served-By", "")
        with self._lock:
            self.submissions += submission
            self.answers.append(answer)
        return response


def assert_each_confirmation_is_one_row(confirmed: dict[str, str]) -> None:
    """Each confirmation a patient saw is one stored request with its two emails
    queued, and no request is stored that nobody saw confirmed."""
    stored = list(Booking.objects.values_list("email", "reference"))
    assert len(stored) == len(confirmed)
    assert dict(stored) == confirmed
    per_booking = Notification.objects.values("booking").annotate(n=Count("id"))
    assert {row["n"] for row in per_booking} == {2}  # front desk and patient
    assert DBTaskResult.objects.count() == 2 * len(confirmed)


PICK = "/request-consultation/time/"
SENT = "/request-consultation/sent/"
JUST_TAKEN = "That time was just taken"
_TIME_PICKER = re.compile(r'<form[^>]*class="time-picker".*?</form>', re.DOTALL)
_NEXT_TIMES = re.compile(r'<ul class="list-unstyled next-times">.*?</ul>', re.DOTALL)
_START = re.compile(r'name="start" value="([^"]+)"')


@dataclass
class TimePicker:
    """A patient whose request is stored, looking at the page of open times."""

    browser: Browser
    email: str
    fields: dict[str, str]  # the picker's hidden fields: CSRF token and kind
    starts: list[str]  # the open times offered, as the form posts them, earliest first


def patient_at_time_picker(base_url: str, email: str) -> TimePicker:
    """Open the form, send it (an office that takes online bookings), open the times."""
    browser = Browser(base_url)
    form = browser.get(FORM)
    assert form.status == 200, form.status
    sent = browser.post_form(FORM, valid_booking_data(email=email, **hidden_inputs(form.text)))
    assert sent.status == 302 and sent.headers["Location"] == PICK, (sent.status, sent.headers)
    page = browser.get(PICK)
    assert page.status == 200, page.status
    picker = _TIME_PICKER.search(page.text)
    assert picker is not None, "no open times on the page"
    return TimePicker(browser, email, hidden_inputs(picker.group()), _START.findall(picker.group()))


@dataclass
class Pick:
    """What one patient's post of a time answered, and how long it took."""

    email: str
    status: int | None  # None: no answer at all
    location: str  # where a redirect went
    text: str
    ms: float

    @property
    def next_times(self) -> list[str]:
        """The other open times a "just taken" page offers."""
        offered = _NEXT_TIMES.search(self.text)
        return _START.findall(offered.group()) if offered else []


def pick_at_once(pickers: list[TimePicker], start: str) -> list[Pick]:
    """Every patient posts `start` at the same moment, each from a thread of their own."""
    barrier = threading.Barrier(len(pickers))

    def pick(picker: TimePicker) -> Pick:
        data = {**picker.fields, "start": start}
        barrier.wait(timeout=STARTUP_SECONDS)
        started = time.perf_counter()
        try:
            response = picker.browser.post_form(PICK, data)
        except (OSError, http.client.HTTPException):
            response = None
        ms = (time.perf_counter() - started) * 1000
        if response is None:
            return Pick(picker.email, None, "", "", ms)
        location = response.headers.get("Location", "")
        return Pick(picker.email, response.status, location, response.text, ms)

    with ThreadPoolExecutor(len(pickers)) as pool:
        return list(pool.map(pick, pickers))


def patients_at_time_picker(base_url: str, emails: list[str], *, at_once: int = 10):
    """A TimePicker for each email, `at_once` patients getting there at a time."""
    with ThreadPoolExecutor(at_once) as pool:
        return list(pool.map(partial(patient_at_time_picker, base_url), emails))


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value at least `fraction` of them reach."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * fraction)) - 1]

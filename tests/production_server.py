"""The site run the way production runs it, for drills and benchmarks.

gunicorn with the repository's config, production settings (DEBUG off,
HTTPS-only cookies, HSTS), static files collected and compressed, behind a
pretend load balancer: every request says it arrived over HTTPS.
"""

import contextlib
import http.client
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

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


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 2, log: Path) -> Iterator[str]:
    """Serve the site; yields its base URL once /healthz answers."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "clinic_site/gunicorn.conf.py"],
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
    secure cookies and the HTTPS redirect behave as in production.
    """

    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30

    def request(self, method: str, path: str, body: bytes = b"", headers=None) -> Response:
        url = urllib.parse.urlsplit(self.base_url)
        all_headers = {
            "Host": url.netloc,
            "X-Forwarded-Proto": "https",
            "User-Agent": "clinic-drill",
            **(headers or {}),
        }
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=self.timeout)
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

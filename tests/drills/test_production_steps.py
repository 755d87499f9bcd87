"""Drill: README.md's production steps, run as written.

Every command of the "Running in production" section runs in a copy of the
project, with the environment that section lists: the build leaves the
locked packages without the development tools, collected static files, a
migrated database and a clean `check --deploy`; the web server serves, the
task worker starts, the cron jobs run; and no later command brings the
development tools back.
"""

import contextlib
import datetime
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
import tomllib
from functools import partial
from pathlib import Path

import pytest

from booking import services
from booking.models import Location
from pages.content import HEALTH_PAGES
from tests.faults import RefusingMailServer, free_port
from tests.pages.factories import make_page_review
from tests.production_server import BASE_DIR, Browser

README = BASE_DIR / "README.md"
SECTION = "## Running in production"
# What a deploy never copies: environments, caches, local data.
NOT_DEPLOYED = shutil.ignore_patterns(
    "*.mo",  # compiled by the build step, as from a fresh clone
    ".venv",
    ".git",
    ".cache",
    ".hypothesis",
    ".ruff_cache",
    ".pytest_cache",
    "__pycache__",
    "staticfiles",
    "node_modules",
    "db.sqlite3",
)
# uv settings the copy keeps: where packages and Pythons come from. Any other
# (UV_PROJECT_ENVIRONMENT, UV_NO_DEV, …) could change what the steps do.
UV_KEPT = {"UV_CACHE_DIR", "UV_PYTHON_INSTALL_DIR", "UV_INDEX_URL", "UV_DEFAULT_INDEX"}
# Long-running commands: started, seen working, stopped.
SERVICES = ("gunicorn", "db_worker")
START_SECONDS = 60
# What the worker needs to send email, besides the database.
EMAIL_SETTINGS = [
    "DJANGO_EMAIL_HOST",
    "DJANGO_EMAIL_PORT",
    "DJANGO_EMAIL_HOST_USER",
    "DJANGO_EMAIL_HOST_PASSWORD",
    "DJANGO_EMAIL_USE_TLS",
    "DJANGO_DEFAULT_FROM_EMAIL",
    "DJANGO_FRONT_DESK_EMAIL",
]


def production_section() -> str:
    text = README.read_text()
    start = text.index(SECTION + "\n")
    return text[start : text.index("\n## ", start + 1)]


def production_commands() -> list[str]:
    """The lines of the section's shell blocks, in order."""
    blocks = re.findall(r"```sh\n(.*?)```", production_section(), re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def dev_distributions() -> list[str]:
    groups = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["dependency-groups"]
    return [re.match(r"[A-Za-z0-9_.-]+", requirement).group() for requirement in groups["dev"]]


def test_every_uv_command_in_the_production_steps_leaves_the_development_tools_out():
    inline = re.findall(r"`(uv (?:run|sync) [^`]+)`", production_section())
    uv_commands = [c for c in production_commands() + inline if c.startswith("uv ")]

    assert any(c.startswith("uv sync") for c in uv_commands)
    assert any(c.startswith("uv run") for c in uv_commands)
    assert [c for c in uv_commands if "--no-dev" not in c or "--frozen" not in c] == []


def test_the_production_steps_list_what_the_worker_needs_to_send_email():
    section = production_section()

    assert [name for name in EMAIL_SETTINGS if f"`{name}" not in section] == []


@pytest.fixture
def production_copy(tmp_path) -> Path:
    """The project as a deploy receives it."""
    if not shutil.which("uv"):
        pytest.fail("uv is not on PATH; the production steps use it.", pytrace=False)
    copy = tmp_path / "site"
    shutil.copytree(BASE_DIR, copy, ignore=NOT_DEPLOYED, symlinks=True)
    return copy


def test_the_production_steps_work_as_written(
    test_database, drill_redis_url, production_copy, tmp_path
):
    *_, database_url = test_database
    # Before launch staff enter each office's phone and hours, and record the
    # clinical review of each health page: check --deploy insists.
    for office in Location.objects.all():
        office.phone = "+12035550100"
        services.location_save(location=office)
        services.opening_hours_set(
            location=office, weekly=[(day, datetime.time(9), datetime.time(17)) for day in range(5)]
        )
    for page in HEALTH_PAGES:
        for language in ("en", "es"):
            make_page_review(page=page.key, language=language)
    mail_server = RefusingMailServer()
    port = free_port()
    # Step 1's list, and nothing else.
    listed = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SITE_URL": "https://www.example-clinic.test",
        "DJANGO_ADMIN_URL": "staff-7d3k/",
        "DATABASE_URL": database_url,
        "REDIS_URL": drill_redis_url,
        "DJANGO_TRUSTED_PROXY_COUNT": "1",
        "GUNICORN_FORWARDED_ALLOW_IPS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(mail_server.port),
        "DJANGO_EMAIL_HOST_USER": "site",
        "DJANGO_EMAIL_HOST_PASSWORD": secrets.token_urlsafe(20),
        "DJANGO_EMAIL_USE_TLS": "1",
        "DJANGO_DEFAULT_FROM_EMAIL": "Ketamine Center of Connecticut <no-reply@example.test>",
        "DJANGO_FRONT_DESK_EMAIL": "frontdesk@example.test",
    }
    assert [name for name in listed if f"`{name}" not in production_section()] == []
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_", "UV_"))
        and key not in {"DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV"}
        or key in UV_KEPT
    }
    # Not this checkout's environment: the copy gets one of its own.
    env["PATH"] = os.pathsep.join(
        folder
        for folder in env["PATH"].split(os.pathsep)
        if not Path(folder).is_relative_to(BASE_DIR / ".venv")
    )
    env.update(listed)

    started = time.monotonic()
    commands = production_commands()
    for command in commands:
        if any(service in command for service in SERVICES):
            with running(command, production_copy, env, tmp_path) as log:
                if "gunicorn" in command:
                    site = f"http://127.0.0.1:{port}"
                    wait_until(partial(answers, site, "/healthz"), log)
                    home = Browser(site).get("/")
                    assert home.status == 200
                    assert re.search(r'/static/css/site\.[0-9a-f]{12}\.css"', home.text)
                    spanish = Browser(site).get("/es/")
                    assert '<html lang="es">' in spanish.text
                    assert "Solicitar una consulta" in spanish.text
                else:
                    wait_until(lambda: "Starting worker" in log.read_text(), log)
        else:
            result = subprocess.run(
                command,
                shell=True,
                cwd=production_copy,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        assert installed(dev_distributions(), production_copy) == [], command
    mail_server.stop()

    assert (production_copy / "staticfiles" / "staticfiles.json").exists()
    print(
        f"\nproduction steps: {len(commands)} commands from README.md in "
        f"{time.monotonic() - started:.1f} s; no development tools installed"
    )


@contextlib.contextmanager
def running(command: str, cwd: Path, env: dict[str, str], tmp_path: Path):
    """A long-running command; yields its log, then stops it and all it started."""
    log = tmp_path / f"{re.sub(r'[^a-z]+', '-', command)[-40:]}.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            shell=True,
            cwd=cwd,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield log
        assert process.poll() is None, log.read_text()  # it was still running
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        time.sleep(0.5)  # let the group's last processes go
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def wait_until(condition, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"did not start:\n{log.read_text()}")


def answers(site: str, path: str) -> bool:
    try:
        return Browser(site).get(path).status == 200
    except OSError:
        return False


def installed(distributions: list[str], project: Path) -> list[str]:
    """Which of these distributions the project's environment has."""
    code = (
        "import importlib.metadata as m, sys\n"
        "for name in sys.argv[1:]:\n"
        "    try: m.distribution(name)\n"
        "    except m.PackageNotFoundError: continue\n"
        "    print(name)\n"
    )
    result = subprocess.run(
        [project / ".venv" / "bin" / "python", "-c", code, *distributions],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.split()

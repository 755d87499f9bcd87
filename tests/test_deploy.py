"""The real settings module, loaded the way production loads it."""

import os
import subprocess
import sys
from pathlib import Path

from pages.content import HEALTH_PAGES

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "prod-like-" + "k3y9Z" * 12,
    "DJANGO_ALLOWED_HOSTS": "www.example-clinic.test",
    "DJANGO_ADMIN_URL": "staff-area-7k2/",
}
# Nothing connects to it on start-up; serving needs it set.
REDIS = {"REDIS_URL": "redis://cache.clinic.test:6379/0"}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_python("manage.py", *args, env=env, script=True)


def run_python(
    *args: str, env: dict[str, str], script: bool = False
) -> subprocess.CompletedProcess:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean_env.pop("DATABASE_URL", None)
    clean_env.pop("REDIS_URL", None)
    clean_env["DJANGO_SETTINGS_MODULE"] = "clinic_site.settings"
    command = [sys.executable, *args] if script else [sys.executable, "-c", *args]
    return subprocess.run(
        command, cwd=ROOT, env={**clean_env, **env}, capture_output=True, text=True
    )


# What staff enter in the admin before launch: phone, hours and front-desk
# email for every office, and a current clinical review of every health page.
ENTER_LAUNCH_DETAILS = """
import datetime
from django.utils import timezone
from booking.models import Location, OpeningHours
from pages.content import HEALTH_PAGES
from pages.models import PageReview

for number, office in enumerate(Location.objects.filter(is_active=True)):
    office.phone = f"+1203555010{number}"
    office.notification_email = f"{office.slug}@clinic.test"
    office.save()
    for day in range(5):
        OpeningHours.objects.create(
            location=office, weekday=day, opens=datetime.time(9), closes=datetime.time(17)
        )
today = timezone.localdate()
for page in HEALTH_PAGES:
  for language in ("en", "es"):
    PageReview.objects.create(
        page=page.key,
        language=language,
        reviewer_name="Dr. Test Reviewer",
        reviewer_credentials="MD",
        last_reviewed=today,
        next_review_due=today + datetime.timedelta(days=365),
    )
from pages.models import ClinicFacts
ClinicFacts.objects.update_or_create(pk=1, defaults={
    "offers_iv_infusion": True,
    "monitoring_after_session": "Test fact.",
    "visit_length": "Test fact.",
    "eating_drinking_rule": "Test fact.",
    "consultation_cost": "Test fact.",
    "out_of_hours": "Test fact.",
    "physician_specialty": "Test fact.",
    "physician_board_certification": "Test fact.",
    **{f"{name}_es": "Dato de prueba." for name in (
        "monitoring_after_session", "visit_length", "eating_drinking_rule",
        "consultation_cost", "out_of_hours", "physician_specialty",
        "physician_board_certification",
    )},
})
"""


def fresh_install(tmp_path: Path) -> dict[str, str]:
    """Production settings on a new, migrated database: the seeded offices, nothing else."""
    env = {
        **{k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_ADMIN_URL"},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_FILE_CACHE_DIR": str(tmp_path / "cache"),
    }
    # Tooling runs without REDIS_URL.
    migrate = run_manage("migrate", "-v0", env=env)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    return env


def test_check_deploy_fails_on_a_fresh_install_naming_each_missing_detail_and_passes_once_entered(
    tmp_path,
):
    env = fresh_install(tmp_path)

    result = run_manage("check", "--deploy", env=env)

    assert result.returncode != 0
    output = result.stdout + result.stderr
    for office in ["Milford", "Westport"]:
        for check_id, detail in [
            ("clinic.E001", "no phone number"),
            ("clinic.E002", "no opening hours"),
            ("clinic.E003", "no front-desk email"),
        ]:
            line = next(
                line for line in output.splitlines() if line.startswith(f"{office}: ({check_id})")
            )
            assert f"{office} office" in line, line
            assert detail in line, line
        assert f"Admin → Bookings → Locations → {office} → Contact" in output
    for page in HEALTH_PAGES:
        review = f"{page.key}: (clinic.E004) The health page “{page.title}” has no clinical review"
        assert review in output
        spanish = f"es:{page.key}: (clinic.E004) The Spanish health page “{page.title}” has no"
        assert spanish in output
    assert "Admin → Educational pages → Page reviews" in output
    assert "(clinic.E005)" in output and "DJANGO_ADMIN_URL" in output
    assert "(clinic.E006) REDIS_URL is not set" in output
    assert "(clinic.W003) The reading pages speak in general terms" in output
    assert "physician’s specialty" in output

    entered = run_manage("shell", "--no-imports", "-c", ENTER_LAUNCH_DETAILS, env=env)
    assert entered.returncode == 0, entered.stderr
    ready = {**env, "DJANGO_ADMIN_URL": "staff-area-7k2/", **REDIS}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=ready)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_serve_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = run_python("import clinic_site.wsgi", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_serve_without_the_shared_redis_cache():
    result = run_python("import clinic_site.wsgi", env=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "REDIS_URL is not set" in result.stderr


def test_production_serves_with_a_secret_key_and_the_shared_redis_cache():
    result = run_python("import clinic_site.wsgi", env={**PRODUCTION_ENV, **REDIS})
    assert result.returncode == 0, result.stderr


def test_a_request_charset_django_cannot_decode_never_reaches_it():
    # Django decodes the query string while it builds the request, before any
    # of its middleware: a charset such as rot13 would be a bare 500 there.
    script = (
        "import io, clinic_site.wsgi as w\n"
        "statuses = []\n"
        "environ = {'REQUEST_METHOD': 'GET', 'PATH_INFO': '/healthz', 'QUERY_STRING': 'a=b',\n"
        "    'CONTENT_TYPE': 'text/plain; charset=rot13', 'SERVER_NAME': 'localhost',\n"
        "    'SERVER_PORT': '443', 'HTTP_X_FORWARDED_PROTO': 'https', 'wsgi.url_scheme': 'https',\n"
        "    'wsgi.input': io.BytesIO(), 'wsgi.errors': io.StringIO()}\n"
        "w.application(environ, lambda status, headers: statuses.append(status))\n"
        "print(statuses[0])\n"
    )
    env = {**PRODUCTION_ENV, **REDIS, "DJANGO_ALLOWED_HOSTS": "localhost"}

    result = run_python(script, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] != "500 Internal Server Error"


def test_tooling_commands_run_without_a_secret_key_or_redis():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    for command in [("makemigrations", "--check", "--dry-run"), ("check",)]:
        result = run_manage(*command, env=env)
        assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_harden_cookies_and_transport():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, s.ADMIN_URL)"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "staff-area-7k2/"]

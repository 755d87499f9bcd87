"""The real settings module, loaded the way production loads it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "prod-like-" + "k3y9Z" * 12,
    "DJANGO_ALLOWED_HOSTS": "www.example-clinic.test",
    "DJANGO_ADMIN_URL": "staff-area-7k2/",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_python("manage.py", *args, env=env, script=True)


def run_python(
    *args: str, env: dict[str, str], script: bool = False
) -> subprocess.CompletedProcess:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean_env.pop("DATABASE_URL", None)
    clean_env["DJANGO_SETTINGS_MODULE"] = "clinic_site.settings"
    command = [sys.executable, *args] if script else [sys.executable, "-c", *args]
    return subprocess.run(
        command, cwd=ROOT, env={**clean_env, **env}, capture_output=True, text=True
    )


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_serve_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = run_python("import clinic_site.wsgi", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_serves_with_a_secret_key():
    result = run_python("import clinic_site.wsgi", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr


def test_tooling_commands_run_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = run_manage("makemigrations", "--check", "--dry-run", env=env)
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

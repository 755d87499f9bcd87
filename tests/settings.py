"""Test settings: the real settings, made fast and runnable over plain HTTP."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from clinic_site.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Manifest storage needs collectstatic; tests/test_static.py covers it separately.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# The test servers speak plain HTTP; production values are checked by
# tests/test_deploy.py against the real settings module.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Serve straight from the finders, as in development: no collectstatic needed.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Most tests log staff in with force_login; tests/booking/test_admin_auth.py
# turns two-factor back on and checks production settings require it.
STAFF_REQUIRE_2FA = False
# Every request reads the content version from the cache, as before the
# per-process trust; tests/pages/test_caching.py turns the trust on to test it.
PUBLIC_CONTENT_TRUST_SECONDS = 0

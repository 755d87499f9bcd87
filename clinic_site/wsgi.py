import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from clinic_site.middleware import RequestCharsetGuard

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic_site.settings")

# The guard runs before Django builds the request: see its docstring.
application = RequestCharsetGuard(get_wsgi_application())

from django.conf import settings  # noqa: E402  (configured by the line above)

# Fail at start-up, not on the first request that needs the key.
try:
    settings.SECRET_KEY  # noqa: B018  (Django raises here when it is empty)
except ImproperlyConfigured:
    raise ImproperlyConfigured(settings.SECRET_KEY_MISSING) from None

# Several machines serve the site: without the shared cache each keeps its
# own, and rate limits and page refreshes stop holding across them.
if not settings.DEBUG and not settings.REDIS_URL:
    raise ImproperlyConfigured(settings.REDIS_URL_MISSING)

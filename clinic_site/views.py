import sys

from django.conf import settings
from django.contrib import admin
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
)
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from booking.selectors import location_directory_last_known

# Seconds a client is asked to wait before trying again during an outage.
RETRY_AFTER_SECONDS = 60


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not; for load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, or a 503 while the database cannot be reached.

    The outage page needs no database: the offices' details come from the
    copy in the shared cache. No request context, so no context processor
    (and no query) runs.
    """
    if _database_unreachable(sys.exc_info()[1]):
        locations = location_directory_last_known()
        html = loader.render_to_string(
            "503.html",
            {
                "locations": locations,
                "clinic_locations": locations,
                "form_not_sent": request.method == "POST",
            },
        )
        response = HttpResponse(html, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response
    if _in_admin(request):
        # No database or request context here: only the site's names.
        context = {"site_header": admin.site.site_header, "site_title": admin.site.site_title}
        return HttpResponse(loader.render_to_string("admin/500.html", context), status=500)
    return defaults.server_error(request)


# Staff who hit an error inside the admin stay in the admin's look, without
# the patients' crisis banner; everyone else gets the site's own pages.


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _in_admin(request):
        html = loader.render_to_string("admin/404.html", admin.site.each_context(request), request)
        return HttpResponseNotFound(html)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _in_admin(request):
        html = loader.render_to_string("admin/400.html", admin.site.each_context(request), request)
        return HttpResponseBadRequest(html)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _in_admin(request):
        html = loader.render_to_string("admin/403.html", admin.site.each_context(request), request)
        return HttpResponseForbidden(html)
    return defaults.permission_denied(request, exception)


def _in_admin(request: HttpRequest) -> bool:
    return request.path.startswith("/" + settings.ADMIN_URL)


def _database_unreachable(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, (OperationalError, InterfaceError)):
            return True
        error = error.__cause__ or error.__context__
    return False

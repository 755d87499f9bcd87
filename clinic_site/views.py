import sys

from django.conf import settings
from django.contrib import admin
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
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
        return _admin_error(None, 500)
    return defaults.server_error(request)


# Staff who hit an error inside the admin stay in the admin's look, without
# the patients' crisis banner; everyone else gets the site's own pages.


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _in_admin(request):
        return _admin_error(request, 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _in_admin(request):
        return _admin_error(request, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _in_admin(request):
        return _admin_error(request, 404)
    return defaults.page_not_found(request, exception)


ADMIN_ERRORS = {
    400: (
        _("That address was not understood"),
        _("The list can be narrowed only with the filters on its page. Start again from it."),
    ),
    403: (
        _("You do not have access to this"),
        _("Your account cannot open or change this. If you need it for your work, ask a manager."),
    ),
    404: (
        _("Not found"),
        _("There is nothing here, or it belongs to an office you do not work on."),
    ),
    500: (
        _("Something went wrong"),
        _(
            "The page could not be shown. Nothing you saved before this is lost. Try again in a "
            "minute; if it keeps happening, tell the person who looks after the site."
        ),
    ),
}


def _admin_error(request: HttpRequest | None, status: int) -> HttpResponse:
    """A staff error page. Without a request (a 500), no context processor or query runs."""
    heading, message = ADMIN_ERRORS[status]
    if request is None:
        context = {"site_header": admin.site.site_header, "site_title": admin.site.site_title}
    else:
        context = admin.site.each_context(request)
    html = loader.render_to_string(
        "admin/error_page.html", {**context, "heading": heading, "message": message}, request
    )
    return HttpResponse(html, status=status)


def _in_admin(request: HttpRequest) -> bool:
    return request.path.startswith("/" + settings.ADMIN_URL)


def _database_unreachable(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, (OperationalError, InterfaceError)):
            return True
        error = error.__cause__ or error.__context__
    return False

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class StaffSessionMiddleware:
    """End a staff session after STAFF_SESSION_IDLE_SECONDS without admin activity.

    Only admin requests touch the session here, so the public pages stay
    cacheable and the booking form's session keeps Django's default age.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefix = "/" + settings.ADMIN_URL

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(self.prefix):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user.is_staff:
                # Setting the expiry saves the session: the idle clock restarts.
                request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return response

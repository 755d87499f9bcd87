from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core import checks
from django.core.checks import CheckMessage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.admin import OTPAdminAuthenticationForm

from booking import selectors, services, staff_services
from booking.checks import LAUNCH_TAG
from booking.models import Location, sees_all_locations
from booking.staff_forms import AuthenticatorCodeField
from booking.staff_views import AuthenticatorView, StaffAddView

# django-axes keeps a failed login's user name in a column this long.
AXES_USERNAME_LENGTH = AccessAttempt._meta.get_field("username").max_length


class StaffLoginForm(AdminAuthenticationForm):
    """User name and password, with one calm message whatever was wrong."""

    failed_message = _(
        "The user name or password is not right. After %(limit)d failed tries "
        "the account is locked for %(minutes)d minutes."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cool_off = get_cool_off(self.request)
        lockout = {
            "limit": settings.AXES_FAILURE_LIMIT,
            "minutes": int(cool_off.total_seconds() // 60) if cool_off else 0,
        }
        self.error_messages = {
            **self.error_messages,
            "invalid_login": self.failed_message % lockout,
        }

    def clean_username(self):
        # A longer name than axes' column fails to save, which answered HTTP 500
        # on PostgreSQL (django-axes issue #1381). No user name is longer than
        # 150 characters, so the shortened one still fails like any wrong name.
        return self.cleaned_data["username"][:AXES_USERNAME_LENGTH]


class StaffOTPLoginForm(StaffLoginForm, OTPAdminAuthenticationForm):
    """Password and authenticator code on one page.

    Staff have one authenticator app (see staff_services.totp_device_start),
    so there is no device to choose. A wrong or missing code is a failed
    login like a wrong password: same message, and it counts toward the
    django-axes lockout.
    """

    otp_device = None
    otp_challenge = None
    otp_token = AuthenticatorCodeField(required=False)

    failed_message = _(
        "The user name, password or authenticator code is not right. After %(limit)d "
        "failed tries the account is locked for %(minutes)d minutes."
    )

    def clean_otp(self, user):
        try:
            super().clean_otp(user)
        except ValidationError:
            # The password was right: authenticate() recorded nothing for axes.
            user_login_failed.send(
                sender=self.__class__,
                credentials={"username": self.cleaned_data["username"]},
                request=self.request,
            )
            raise self.get_invalid_login_error() from None

    def _chosen_device(self, user):
        # Never a device named in the request: an unconfirmed one (QR code
        # shown, first code never typed) must not log anyone in.
        return staff_services.totp_confirmed_device(user)

    def _update_form(self, user):
        # django-otp shows the password again and lists the devices once the
        # password was right; that would tell a guesser it was.
        pass


# --- What managers and the front desk must not miss ---------------------------


def launch_problems() -> list[CheckMessage]:
    """The launch checks' findings (as `check --deploy` reports them): two small queries.

    Through the check registry, so each app keeps its own checks.
    """
    return checks.run_checks(tags=[LAUNCH_TAG], include_deployment_checks=True)


def _fix_link(problem: CheckMessage) -> str:
    """The admin page where a problem is fixed, when it is fixed in the admin."""
    if isinstance(problem.obj, Location):
        return reverse("admin:booking_location_change", args=[problem.obj.pk])
    if problem.id == "clinic.E004":
        return reverse("admin:pages_pagereview_changelist")
    return ""


def launch_banner(problems: list[CheckMessage]) -> list[dict]:
    return [
        {
            "id": problem.id,
            "message": problem.msg,
            "hint": problem.hint,
            "serious": problem.is_serious(),
            "fix_url": _fix_link(problem),
        }
        for problem in problems
    ]


class ClinicAdminSite(AdminSite):
    """The staff admin; with STAFF_REQUIRE_2FA, only a TOTP-verified login gets in."""

    site_header = "Ketamine Center of Connecticut — staff"
    site_title = "Clinic staff"
    index_title = "Front desk"
    # The request list needs the width more than a second menu.
    enable_nav_sidebar = False

    @property
    def login_form(self):
        return StaffOTPLoginForm if settings.STAFF_REQUIRE_2FA else StaffLoginForm

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.STAFF_REQUIRE_2FA else None

    def get_urls(self):
        return [
            path(
                "staff/add/",
                self.admin_view(StaffAddView.as_view(admin_site=self)),
                name="staff_add",
            ),
            path(
                "staff/<int:user_id>/authenticator/",
                self.admin_view(AuthenticatorView.as_view(admin_site=self)),
                name="staff_authenticator",
            ),
            path(
                "notices/acknowledge/",
                self.admin_view(self.acknowledge_notices_view),
                name="notices_acknowledge",
            ),
            *super().get_urls(),
        ]

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        user = request.user
        if user.is_active and user.is_staff and sees_all_locations(user):
            # Once per request: some pages build their context more than once.
            if not hasattr(request, "_launch_problems"):
                request._launch_problems = launch_banner(launch_problems())
            context["launch_problems"] = request._launch_problems
        return context

    def index(self, request: HttpRequest, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "undelivered": selectors.undelivered_notices(user=request.user),
        }
        return super().index(request, extra_context)

    def acknowledge_notices_view(self, request: HttpRequest) -> HttpResponse:
        """POST: the notices shown, or one of them, have been seen; they leave the pages."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("booking.view_booking"):
            raise PermissionDenied
        choice = request.POST.get("acknowledge", "")
        ids = request.POST.getlist("shown") if choice == "all" else [choice]
        ids = {int(pk) for pk in ids if pk.isdigit()}
        if not ids:
            raise Http404
        notices = list(
            selectors.undeliverable_notices(user=request.user)
            .filter(pk__in=ids)
            .select_related("booking")
        )
        if len(notices) != len(ids):
            # Not this user's to see (or not an undelivered notice): simply not found.
            raise Http404
        for notice in notices:
            services.notification_acknowledge(notification=notice, by=request.user)
        references = ", ".join(sorted(notice.booking.reference for notice in notices))
        messages.success(
            request,
            ngettext(
                "Acknowledged the notice for %(refs)s.",
                "Acknowledged the notices for %(refs)s.",
                len(notices),
            )
            % {"refs": references},
        )
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("admin:index", current_app=self.name)
        return redirect(target)

    def admin_view(self, view, cacheable=False):
        # Django lets browsers cache a few staff pages (password change, the
        # JavaScript catalog); every staff page is kept out of caches here.
        return super().admin_view(view, cacheable=False)

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return not settings.STAFF_REQUIRE_2FA or request.user.is_verified()

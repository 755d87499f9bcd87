from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.plugins.otp_totp.models import TOTPDevice


class StaffOTPLoginForm(OTPAdminAuthenticationForm):
    """Password and authenticator code on one page.

    Staff have one authenticator app (see `manage.py staff_enrol_totp`), so
    there is no device to choose: use the user's own one.
    """

    def _chosen_device(self, user):
        return super()._chosen_device(user) or (
            TOTPDevice.objects.filter(user=user, confirmed=True).first()
        )


class ClinicAdminSite(AdminSite):
    """The staff admin; with STAFF_REQUIRE_2FA, only a TOTP-verified login gets in."""

    site_header = "Ketamine Center of Connecticut — staff"
    site_title = "Clinic staff"
    index_title = "Front desk"
    # The request list needs the width more than a second menu.
    enable_nav_sidebar = False

    @property
    def login_form(self):
        return StaffOTPLoginForm if settings.STAFF_REQUIRE_2FA else AdminAuthenticationForm

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.STAFF_REQUIRE_2FA else None

    def admin_view(self, view, cacheable=False):
        # Django lets browsers cache a few staff pages (password change, the
        # JavaScript catalog); every staff page is kept out of caches here.
        return super().admin_view(view, cacheable=False)

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return not settings.STAFF_REQUIRE_2FA or request.user.is_verified()

"""The admin's staff pages: add a staff member, set up an authenticator app.

Registered by ClinicAdminSite.get_urls(); the writes are in booking.staff_services.
"""

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.contrib.admin.helpers import AdminForm
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from django_otp import login as otp_login

from booking import staff_services
from booking.staff_forms import AuthenticatorConfirmForm, StaffCreateForm

User = get_user_model()

# The new person's one-time password, kept in the manager's session (stored
# server-side) until the authenticator is set up: a wrong first code shows
# the page again, and the password must still be there to read out.
NEW_PASSWORD_KEY = "staff_new_password"
# Pixels per QR module: about 5 cm across, easy for a phone camera.
QR_SCALE = 5


class AdminPageView(FormView):
    """A form page in the admin's look: its header and links, its form rows."""

    admin_site: AdminSite = None
    title = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        return {
            **self.admin_site.each_context(self.request),
            "title": self.title,
            "adminform": AdminForm(form, [(None, {"fields": list(form.fields)})], {}),
            **context,
        }


class StaffAddView(AdminPageView):
    template_name = "admin/staff/add.html"
    form_class = StaffCreateForm
    title = _("Add a staff member")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("auth.add_user"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user, password = staff_services.staff_create(
            **form.cleaned_data, added_by=self.request.user
        )
        staff_services.totp_device_start(user=user)
        self.request.session[NEW_PASSWORD_KEY] = {"user": user.pk, "password": password}
        messages.success(self.request, _("%(name)s was added.") % {"name": _name(user)})
        return redirect("admin:staff_authenticator", user.pk)


class AuthenticatorView(AdminPageView):
    """Scan the QR code, type the first code: only then does the app log anyone in."""

    template_name = "admin/staff/authenticator.html"
    form_class = AuthenticatorConfirmForm

    def dispatch(self, request, *args, user_id: int, **kwargs):
        self.person = get_object_or_404(User, pk=user_id, is_staff=True)
        if not staff_services.may_enrol(request.user, self.person):
            raise PermissionDenied
        self.is_self = self.person.pk == request.user.pk
        self.device = staff_services.totp_pending_device(self.person)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if "start" in request.POST:
            # A manager doing this for someone else assumes the old phone is
            # lost. A person doing it for themselves is logged in through the
            # old phone, which keeps working until the new one is confirmed.
            staff_services.totp_device_start(
                user=self.person, revoke_confirmed=not self.is_self, started_by=request.user
            )
            return redirect(request.path)
        if self.device is None:
            # Already confirmed, say from a second click on "Confirm".
            return redirect(request.path)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        confirmed = staff_services.totp_device_confirm(
            device=self.device, token=form.cleaned_data["code"], confirmed_by=self.request.user
        )
        if not confirmed:
            form.add_error(
                "code",
                _(
                    "That code did not work. Codes change every 30 seconds: "
                    "type the one the app shows now."
                ),
            )
            return self.form_invalid(form)
        if self.is_self:
            # The session was verified by the old phone, which is gone now.
            otp_login(self.request, self.device)
        self.request.session.pop(NEW_PASSWORD_KEY, None)
        messages.success(
            self.request,
            _("The authenticator for %(name)s is set up.") % {"name": _name(self.person)},
        )
        if staff_services.may_change_staff(self.request.user, self.person):
            return redirect("admin:auth_user_change", self.person.pk)
        return redirect("admin:index")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        new_password = self.request.session.get(NEW_PASSWORD_KEY, {})
        context.update(
            person=self.person,
            person_name=_name(self.person),
            is_self=self.is_self,
            device=self.device,
            confirmed_device=staff_services.totp_confirmed_device(self.person),
            new_password=(
                new_password.get("password") if new_password.get("user") == self.person.pk else None
            ),
        )
        if self.device is not None:
            qr_code = staff_services.totp_qr_code(self.device)
            context.update(
                # Dark on white whatever the admin's colour theme, or phones cannot read it.
                qr_code=qr_code.svg_data_uri(scale=QR_SCALE, dark="#000", light="#fff"),
                qr_size=qr_code.symbol_size(scale=QR_SCALE)[0],
                secret=staff_services.totp_secret(self.device),
            )
        return context

    @property
    def title(self):
        if self.is_self:
            return _("Set up your authenticator")
        return _("Set up the authenticator for %(name)s") % {"name": _name(self.person)}


def _name(user) -> str:
    return user.get_full_name() or user.get_username()

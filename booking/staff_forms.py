"""Forms for adding staff and setting up their authenticator: they validate, services write."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from booking.models import Location
from booking.staff_services import StaffRole

User = get_user_model()


class AuthenticatorCodeField(forms.CharField):
    """The code an authenticator app shows: a number pad on phones, filled in by the browser."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Authenticator code"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {
            **super().widget_attrs(widget),
            "inputmode": "numeric",
            "autocomplete": "one-time-code",
            "autocapitalize": "none",
        }

    def to_python(self, value):
        # Some apps show the code as "123 456"; typing the space is no mistake.
        return "".join(super().to_python(value).split())


class StaffCreateForm(forms.ModelForm):
    """A new staff member; `manage.py add_staff` validates its arguments with this too.

    The cleaned data are staff_services.staff_create's arguments.
    """

    role = forms.TypedChoiceField(
        label=_("Role"),
        choices=StaffRole.choices,
        coerce=StaffRole,
        widget=forms.RadioSelect(attrs={"class": "radiolist"}),
        help_text=_(
            "Front desk works on its offices' requests. A clinic manager sees every office, "
            "exports, reads the logs and adds staff."
        ),
        error_messages={"invalid_choice": _("The role is front-desk or manager.")},
    )
    locations = forms.ModelMultipleChoiceField(
        label=_("Offices"),
        queryset=Location.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        # The admin's spacing for radio buttons suits these checkboxes too.
        widget=forms.CheckboxSelectMultiple(attrs={"class": "radiolist"}),
        help_text=_("Needed for front desk. Managers see every office whatever is ticked here."),
        error_messages={"invalid_choice": _("There is no office “%(value)s”.")},
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Names show in "Assigned to"; the email is how to reach them.
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("role") == StaffRole.FRONT_DESK
            and not cleaned.get("locations")
            and "locations" not in self.errors
        ):
            self.add_error("locations", _("Front desk staff need at least one office."))
        return cleaned


class AuthenticatorConfirmForm(forms.Form):
    code = AuthenticatorCodeField(help_text=_("The 6-digit code the app shows now."))

import datetime
import itertools
import re
import time
import unicodedata
import uuid
from collections.abc import Callable, Collection

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from booking import insights, services
from booking.availability import parse_time_value
from booking.models import (
    BEST_TIME_FIELDS,
    CLOSED_STATUSES,
    Booking,
    ContactAttempt,
    HeardAbout,
    Location,
    Meeting,
    Weekday,
)
from booking.selectors import assignable_staff

TOKEN_SALT = "booking.form-token"
# A form token is good for four hours after the page was loaded. The form
# takes about five minutes; four hours covers a person who is interrupted
# (a call, a school run, a meeting) and comes back to the open tab, while a
# token copied out of a page is useless by the evening. An expired token
# costs one more press of Send: the answers stay and a fresh token comes.
FORM_TOKEN_MAX_AGE = 4 * 60 * 60
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
BEST_TIME_CHOICES = [
    (name, capfirst(Booking._meta.get_field(name).verbose_name)) for name in BEST_TIME_FIELDS
]
# Zero-width joiners that Persian, Arabic and Indic names need between two
# letters; anywhere else they are as invisible as any format character.
WORD_JOINERS = "\u200c\u200d"
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")  # an office slug (Location.slug)
# What a typed date looks like: 03/27/1985, 3-27-1985 or 1985-03-27.
DATE_SHAPE = re.compile(r"\d{1,2}[/-]\d{1,2}[/-]\d{4}|\d{4}-\d{1,2}-\d{1,2}")


def reject_control_characters(value: str) -> None:
    # Line breaks and tabs are fine in the message; other control characters
    # (and the U+FFFD left behind by undecodable bytes) are not.
    for ch in value:
        if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\n\r\t"):
            raise forms.ValidationError(
                _("Remove any unusual or invisible characters."), code="control_character"
            )


def _joins_two_letters(value: str, index: int) -> bool:
    def is_letter(ch: str) -> bool:
        return unicodedata.category(ch)[0] in "LM"

    return (
        0 < index < len(value) - 1 and is_letter(value[index - 1]) and is_letter(value[index + 1])
    )


def has_hidden_characters(value: str) -> bool:
    """Line breaks, control and format characters (such as U+202E, which turns
    the text that follows around, or the zero-width space U+200B)."""
    for index, ch in enumerate(value):
        if ch in WORD_JOINERS and _joins_two_letters(value, index):
            continue
        if ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            return True
    return False


def one_line_name(message: str) -> Callable[[str], None]:
    def validate(value: str) -> None:
        if has_hidden_characters(value):
            raise forms.ValidationError(message, code="hidden_character")

    return validate


def session_tag(session_key: str) -> str:
    """A keyed hash of a session key: a token names its session without revealing the key."""
    return salted_hmac("booking.form-token.session", session_key, algorithm="sha256").hexdigest()[
        :32
    ]


def new_form_token(*, session: str = "", started: float | None = None) -> str:
    """A signed token for one filling-in of the form: a fresh submission key,
    when the form was given out and, when known, the browser session it was
    given to."""
    payload = {
        "key": str(uuid.uuid4()),
        "started": int(time.time() if started is None else started),
    }
    if session:
        payload["sid"] = session
    return signing.dumps(payload, salt=TOKEN_SALT)


def answers_fingerprint(answers: dict) -> str:
    """A keyed hash of a request's answers: equal answers, equal fingerprint."""
    canonical = repr(
        sorted(
            (name, str(value.pk if isinstance(value, models.Model) else value))
            for name, value in answers.items()
        )
    )
    return salted_hmac("booking.fingerprint", canonical, algorithm="sha256").hexdigest()


def stored_answers(booking: Booking) -> dict:
    """The answers a stored request holds, in the form's terms (no query)."""
    answers = {name: getattr(booking, name) for name in BookingForm.Meta.fields}
    answers["location"] = booking.location_id
    answers.update({name: getattr(booking, name) for name in BEST_TIME_FIELDS})
    return answers


def yes_no_field(label, *, required_message, help_text="") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": required_message},
    )


class SlugChoiceField(forms.ModelChoiceField):
    """Chosen by slug; a value no slug could have is refused before any query
    (PostgreSQL refuses a NUL character in a query with an error)."""

    def to_python(self, value):
        if value not in self.empty_values and not SLUG.fullmatch(str(value)):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class DateOfBirthField(forms.DateField):
    """A typed date; one that looks like a date but is not (02/30/1990) says so."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            typed = str(value).strip()
            if error.code == "invalid" and DATE_SHAPE.fullmatch(typed):
                raise ValidationError(
                    self.error_messages["not_a_date"], code="not_a_date", params={"value": typed}
                ) from None
            raise


class BookingForm(forms.ModelForm):
    """The consultation request form. Only validates; booking.services saves.

    `session` gives the tag new form tokens carry (the browser session, made
    when first needed); `accepted_sessions` are the tags a posted token may
    carry: this browser's session now and before its key last changed.
    """

    location = SlugChoiceField(
        label=_("Which office would suit you?"),
        queryset=Location.objects.active(),
        to_field_name="slug",
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the office you would like to be seen at"),
            "invalid_choice": _("Choose one of the offices listed"),
        },
    )
    date_of_birth = DateOfBirthField(
        label=_("Date of birth"),
        help_text=_("Month, day and year, for example 03/27/1985. You must be 18 or older."),
        input_formats=["%m/%d/%Y", "%m-%d-%Y", "%Y-%m-%d"],
        widget=forms.DateInput(format="%m/%d/%Y", attrs={"autocomplete": "bday"}),
        error_messages={
            "required": _("Enter your date of birth"),
            "invalid": _("Enter your date of birth as month/day/year, like 03/27/1985"),
            "not_a_date": _(
                "%(value)s is not a real date. Check the month and the day, "
                "like 03/27/1985 for March 27, 1985"
            ),
        },
    )
    phone = PhoneNumberField(
        label=_("Mobile phone number"),
        help_text=_("A US number, like 203 555 0123."),
        region="US",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={
            "required": _("Enter your mobile phone number"),
            "invalid": _("Enter a US phone number, like 203 555 0123"),
        },
    )
    best_times = forms.MultipleChoiceField(
        label=_("When are the best times to reach you?"),
        help_text=_("Choose all that apply."),
        choices=BEST_TIME_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose from the times listed")},
    )
    voicemail_ok = yes_no_field(
        _("Can we leave you a voicemail?"),
        required_message=_("Tell us whether we can leave you a voicemail"),
    )
    email_ok = yes_no_field(
        _("Can we email you?"),
        help_text=_("We only email to confirm your request and appointments."),
        required_message=_("Tell us whether we can email you"),
    )
    seeing_clinician = yes_no_field(
        _("Are you seeing a clinician for your mental health at the moment?"),
        help_text=_("For example a psychiatrist, therapist or your family doctor."),
        required_message=_("Tell us whether you are seeing a clinician at the moment"),
    )
    urgent = yes_no_field(
        _("Are you having thoughts of ending your life, or of harming yourself, right now?"),
        help_text=_("Your answer does not stop you from sending this request."),
        required_message=_("Answer yes or no: are you having these thoughts right now?"),
    )
    consent_contact = forms.BooleanField(
        label=_("I agree to be contacted by the clinic about this request"),
        error_messages={"required": _("Agree to be contacted so we can reply to you")},
    )
    consent_privacy = forms.BooleanField(
        label=_("I have read the privacy notice"),
        error_messages={"required": _("Confirm that you have read the privacy notice")},
    )
    # Hidden from people (see site.css); simple bots fill every field.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    form_token = forms.CharField(widget=forms.HiddenInput)

    class Meta:
        model = Booking
        fields = [
            "location",
            "meeting",
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "contact_method",
            "voicemail_ok",
            "email_ok",
            "diagnosed",
            "antidepressants",
            "seeing_clinician",
            "message",
            "urgent",
            "consent_contact",
            "consent_privacy",
            "heard_about",
        ]
        labels = {
            "meeting": _("How would you like to have your consultation?"),
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "email": _("Email address"),
            "contact_method": _("How should we contact you?"),
            "diagnosed": _("Has a doctor or other clinician diagnosed you with depression?"),
            "antidepressants": _("How many different antidepressants have you tried?"),
            "message": _("Anything else you would like us to know (optional)"),
            "heard_about": _("How did you hear about us? (optional)"),
        }
        help_texts = {
            "antidepressants": _("Count each medicine once, even if you took it more than once."),
            "message": _("Up to 1,000 characters"),
        }
        widgets = {
            "meeting": forms.RadioSelect,
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "contact_method": forms.RadioSelect,
            "diagnosed": forms.RadioSelect,
            "antidepressants": forms.RadioSelect,
            "message": forms.Textarea(
                attrs={"rows": 4, "aria-describedby": "id_message_helptext id_message_note"}
            ),
        }
        error_messages = {
            "meeting": {
                "required": _("Choose how you would like to have your consultation"),
                "invalid_choice": _("Choose one of the ways listed"),
            },
            "first_name": {
                "required": _("Enter your first name"),
                "max_length": _("First name must be 100 characters or fewer"),
            },
            "last_name": {
                "required": _("Enter your last name"),
                "max_length": _("Last name must be 100 characters or fewer"),
            },
            "email": {
                "required": _("Enter your email address"),
                "invalid": _("Enter an email address like name@example.com"),
                "max_length": _("Email address must be 254 characters or fewer"),
            },
            "contact_method": {
                "required": _("Choose how we should contact you"),
                "invalid_choice": _("Choose one of the ways listed"),
            },
            "diagnosed": {
                "required": _("Answer whether you have been diagnosed with depression"),
                "invalid_choice": _("Choose yes, no or not sure"),
            },
            "antidepressants": {
                "required": _("Tell us how many antidepressants you have tried"),
                "invalid_choice": _("Choose one of the answers listed"),
            },
            "message": {
                "max_length": _("Your message must be 1,000 characters or fewer"),
            },
            "heard_about": {"invalid_choice": _("Choose one of the answers listed")},
        }

    def __init__(
        self,
        *args,
        session: Callable[[], str] | None = None,
        accepted_sessions: Collection[str] = (),
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.session = session
        self.accepted_sessions = set(accepted_sessions)
        self.fields["consent_privacy"].label = format_html(
            _('I have read the <a href="{}">privacy notice</a>'), reverse("pages:privacy")
        )
        self.fields["first_name"].validators.append(
            one_line_name(_("Type your first name again: it has a hidden character or line break"))
        )
        self.fields["last_name"].validators.append(
            one_line_name(_("Type your last name again: it has a hidden character or line break"))
        )
        # Django's own "- Select an option -" has no Spanish translation yet.
        self.fields["heard_about"].choices = [("", _("Choose one")), *HeardAbout.choices]
        for name in ("email", "message"):
            self.fields[name].validators.append(reject_control_characters)
        self.fields["message"].widget.attrs["maxlength"] = Booking.MESSAGE_MAX_LENGTH
        # RadioSelect would otherwise offer a blank "---------" choice.
        for name in ("meeting", "contact_method", "diagnosed", "antidepressants"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]
        if not self.is_bound:
            self.initial.setdefault("form_token", self._new_token())
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(_("Where and how"), "location", "meeting"),
            Fieldset(_("About you"), "first_name", "last_name", "date_of_birth", "email", "phone"),
            Fieldset(
                _("How to reach you"), "contact_method", "best_times", "voicemail_ok", "email_ok"
            ),
            Fieldset(
                _("A few questions to help us prepare"),
                HTML(
                    format_html(
                        '<p class="form-text">{}</p>',
                        _(
                            "Your answers help our staff prepare for your consultation. "
                            "They are never used to turn anyone away."
                        ),
                    )
                ),
                "diagnosed",
                "antidepressants",
                "seeing_clinician",
                "message",
                HTML(
                    format_html(
                        '<p id="id_message_note" class="form-text field-note">{}</p>',
                        _(
                            "Please do not include anything urgent: "
                            "we read requests during office hours."
                        ),
                    )
                ),
            ),
            Div("urgent", HTML('{% include "booking/_safety_alert.html" %}'), css_class="safety"),
            Fieldset(_("Before you send"), "consent_contact", "consent_privacy", "heard_about"),
            Div("website", css_class="hp-field", aria_hidden="true"),
            "form_token",
        )

    def _new_token(self, started: float | None = None) -> str:
        return new_form_token(session=self.session() if self.session else "", started=started)

    def _replace_token(self, started: float | None = None) -> None:
        """Send the page back with a fresh token, keeping what they typed."""
        self.data = self.data.copy()
        self.data["form_token"] = self._new_token(started)

    def validate_constraints(self) -> None:
        # The fields, clean() and Booking.clean() check every rule of the
        # model's check constraints, with messages a patient understands,
        # and the database enforces them at insert. Django would run each
        # constraint here as a query of its own: eleven per submission.
        pass

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise forms.ValidationError(
                _("Please leave the last field empty and send again."), code="honeypot"
            )
        return ""

    def clean_form_token(self) -> str:
        try:
            token = signing.loads(self.cleaned_data["form_token"], salt=TOKEN_SALT)
            self.submission_key = uuid.UUID(token["key"])
            self.started = float(token["started"])
            bound_to = token.get("sid", "")
        except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
            self._replace_token()
            raise forms.ValidationError(
                _("This form could not be checked. Please check your answers and send again."),
                code="bad_token",
            ) from None
        # A genuine token that has aged, or that belongs to another browser:
        # the new one may be sent straight away.
        ready = time.time() - settings.BOOKING_MIN_FILL_SECONDS
        if time.time() - self.started > FORM_TOKEN_MAX_AGE:
            self._replace_token(started=ready)
            raise forms.ValidationError(
                _(
                    "This form was open for a long time, so we need you to send it again. "
                    "Your answers are still here: check them and press Send request."
                ),
                code="expired_token",
            )
        # Tokens from before tokens named their session (open tabs at a
        # release, and tokens signed by our own test tools) carry no "sid".
        if bound_to and bound_to not in self.accepted_sessions:
            self._replace_token(started=ready)
            raise forms.ValidationError(
                _("This form could not be checked. Please check your answers and send again."),
                code="other_session",
            )
        if time.time() - self.started < settings.BOOKING_MIN_FILL_SECONDS:
            raise forms.ValidationError(
                _("That was very quick. Please check your answers, then send again."),
                code="too_fast",
            )
        return self.cleaned_data["form_token"]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("contact_method") == Booking.ContactMethod.EMAIL and (
            cleaned.get("email_ok") is False
        ):
            self.add_error(
                "email_ok",
                _("You asked us to contact you by email: answer yes, or choose another way"),
            )
        return cleaned

    def booking_fields(self) -> dict:
        """The cleaned answers as Booking field values."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        chosen = set(self.cleaned_data["best_times"])
        fields.update({name: name in chosen for name in BEST_TIME_FIELDS})
        return fields

    def fingerprint(self) -> str:
        """A keyed hash of the answers: equal answers, equal fingerprint."""
        return answers_fingerprint(self.booking_fields())

    def new_submission(self) -> None:
        """Carry these answers as a new submission: a fresh token, the same time taken."""
        self._replace_token(started=self.started)

    def refuse_sent_token(self) -> None:
        """The token was already used with other answers: keep these, name nothing else."""
        self._replace_token(started=time.time() - settings.BOOKING_MIN_FILL_SECONDS)
        self.add_error(
            None,
            ValidationError(
                _(
                    "This form has been sent already, so these answers were not sent. "
                    "Check them and press Send request to send them as a new request."
                ),
                code="token_used",
            ),
        )

    @property
    def under_age(self) -> bool:
        return any(e.code == "under_age" for e in self.errors.as_data().get("date_of_birth", []))


# --- The front desk console: one small form per action ---------------------------
# Each only validates, asking the service's own check so the rules live in
# one place; the admin view then calls the service.


def _add_service_errors(form: forms.Form, error: ValidationError, fields: dict) -> None:
    """Put a service's ValidationError on the form: keyed errors on their fields."""
    if hasattr(error, "error_dict"):
        for key, messages in error.error_dict.items():
            field = fields.get(key, key if key in form.fields else None)
            form.add_error(field, messages)
    else:
        form.add_error(None, error)


class ConsoleForm(forms.Form):
    """A form about one request; its rules may depend on the request's state."""

    def __init__(self, *args, booking: Booking, **kwargs):
        self.booking = booking
        super().__init__(*args, **kwargs)


class ConfirmForm(ConsoleForm):
    """A button with no fields: assign to me, cancel the appointment."""


class ContactAttemptForm(ConsoleForm):
    channel = forms.ChoiceField(
        label=_("How"),
        choices=ContactAttempt.Channel.choices,
        initial=ContactAttempt.Channel.PHONE,
        widget=forms.RadioSelect,
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ContactAttempt.Outcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note (optional, never emailed)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("outcome") == ContactAttempt.Outcome.VOICEMAIL
            and cleaned.get("channel") != ContactAttempt.Channel.PHONE
        ):
            self.add_error("outcome", _("A voicemail is left on a phone call."))
        return cleaned


class ScheduleForm(ConsoleForm):
    """Book or move the appointment; on a Scheduled request it reschedules."""

    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    time = forms.TimeField(
        label=_("Time"), widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"})
    )
    meeting = forms.ChoiceField(
        label=_("How it happens"), choices=Meeting.choices, widget=forms.RadioSelect
    )
    video_link = forms.URLField(
        label=_("Video link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Needed for a video appointment; sent to the patient in the confirmation."),
    )

    def __init__(self, *args, booking: Booking, **kwargs):
        if booking.status == Booking.Status.SCHEDULED:
            current = timezone.localtime(booking.scheduled_for)
            kwargs.setdefault(
                "initial",
                {
                    "date": current.date(),
                    "time": current.time(),
                    "meeting": booking.scheduled_meeting,
                    "video_link": booking.video_link,
                },
            )
        else:
            # What the patient asked for is the likeliest answer.
            kwargs.setdefault("initial", {"meeting": booking.meeting})
        super().__init__(*args, booking=booking, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        starts_at = office_datetime(cleaned["date"], cleaned["time"])
        if starts_at is None:
            self.add_error(
                "time", _("That time does not exist on this day (the clocks go forward).")
            )
            return cleaned
        cleaned["starts_at"] = starts_at
        try:
            services.booking_check_schedule(
                booking=self.booking,
                starts_at=starts_at,
                meeting=cleaned["meeting"],
                video_link=cleaned.get("video_link", ""),
            )
        except ValidationError as error:
            _add_service_errors(self, error, {"starts_at": "date"})
        return cleaned


def office_datetime(day: datetime.date, time_of_day: datetime.time) -> datetime.datetime | None:
    """The moment `day` at `time_of_day` on the offices' clocks; None if the clocks skip it."""
    naive = datetime.datetime.combine(day, time_of_day)
    zone = timezone.get_current_timezone()
    moment = naive.replace(tzinfo=zone)
    # A time in the hour skipped in spring does not survive a round trip via UTC.
    if moment.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return moment


class CloseForm(ConsoleForm):
    outcome = forms.ChoiceField(label=_("Close as"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason (needed for Not suitable and Referred)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, booking: Booking, **kwargs):
        super().__init__(*args, booking=booking, **kwargs)
        self.fields["outcome"].choices = [
            (status.value, status.label) for status in closing_choices(booking=booking)
        ]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            services.booking_check_status_change(
                booking=self.booking,
                to_status=cleaned["outcome"],
                reason=cleaned.get("reason", ""),
            )
        except ValidationError as error:
            _add_service_errors(self, error, {})
        return cleaned


def closing_choices(*, booking: Booking) -> list[Booking.Status]:
    """The ways this request can be closed now. No response only after enough tries."""
    S = Booking.Status
    choices = [s for s in services.allowed_statuses(booking=booking) if s in CLOSED_STATUSES]
    if S.NO_RESPONSE in choices and (
        services.unsuccessful_attempts(booking=booking)
        < settings.BOOKING_NO_RESPONSE_AFTER_ATTEMPTS
    ):
        choices.remove(S.NO_RESPONSE)
    return [S(status) for status in choices]


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.get_username()


class AssignForm(ConsoleForm):
    assigned_to = StaffChoiceField(
        label=_("Assigned to"), required=False, queryset=None, empty_label=_("Nobody")
    )

    def __init__(self, *args, booking: Booking, **kwargs):
        kwargs.setdefault("initial", {"assigned_to": booking.assigned_to_id})
        super().__init__(*args, booking=booking, **kwargs)
        self.fields["assigned_to"].queryset = assignable_staff(location=booking.location)


class NoteForm(ConsoleForm):
    text = forms.CharField(
        label=_("Internal note (never emailed)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- Online booking rules (on the office's admin page) ---------------------------


class AvailabilityWindowFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        rows = sorted(
            (row["weekday"], row["starts"], row["ends"])
            for row in (form.cleaned_data for form in self.forms if form.cleaned_data)
            if not row.get("DELETE") and row.get("starts") and row.get("ends")
        )
        for (day, _starts, ends), (next_day, next_starts, _ends) in itertools.pairwise(rows):
            if day == next_day and next_starts < ends:
                raise forms.ValidationError(
                    _("Two windows on %(day)s overlap: join them into one."),
                    params={"day": Weekday(day).label},
                )


# --- Patients picking a time ---------------------------------------------------------


class PickTimeForm(forms.Form):
    """One open time, posted as its UTC start; the service decides whether it is still free."""

    start = forms.CharField(
        max_length=17,
        error_messages={"required": _("Choose a time, or ask us to call you instead.")},
    )
    kind = forms.ChoiceField(
        choices=Meeting.choices,
        error_messages={
            "required": _("Choose how you would like the consultation."),
            "invalid_choice": _("That kind of consultation cannot be booked online here."),
        },
    )

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, Meeting(kind).label) for kind in kinds]

    def clean_start(self):
        starts_at = parse_time_value(self.cleaned_data["start"])
        if starts_at is None:
            raise ValidationError(
                _("Choose one of the times shown, or ask us to call you instead."), code="invalid"
            )
        self.cleaned_data["starts_at"] = starts_at
        return self.cleaned_data["start"]

    def appointment(self) -> dict:
        return {"starts_at": self.cleaned_data["starts_at"], "meeting": self.cleaned_data["kind"]}


# --- The manager's figures --------------------------------------------------------------


class InsightsForm(forms.Form):
    """Which office and weeks the figures cover: every field optional, the defaults sensible."""

    office = forms.ModelChoiceField(
        queryset=Location.objects.order_by("display_order", "name"),
        required=False,
        to_field_name="slug",
        empty_label=_("Both offices"),
        label=_("Office"),
    )
    start = forms.DateField(
        required=False,
        label=_("From the week of"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for the last weeks up to this one."),
    )
    weeks = forms.IntegerField(
        required=False, min_value=1, max_value=insights.MAX_WEEKS, label=_("Weeks")
    )

    def period(self) -> insights.Period:
        weeks = self.cleaned_data.get("weeks") or insights.DEFAULT_WEEKS
        start = self.cleaned_data.get("start")
        if start is None:
            return insights.period_ending(timezone.localdate(), weeks)
        return insights.Period(insights.monday_of(start), weeks)

    def describe(self) -> str:
        """What the figures cover, for the export log."""
        period = self.period()
        office = self.cleaned_data.get("office")
        return (
            f"insights: office={office.slug if office else 'all'}, "
            f"from={period.start.isoformat()}, weeks={period.weeks}"
        )

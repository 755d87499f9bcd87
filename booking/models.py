import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import Exact, In, LessThanOrEqual
from django.utils import dateformat, timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from clinic_site.i18n import in_active_language

ADULT_AGE = 18
MESSAGE_MAX_LENGTH = 1000
EARLIEST_DATE_OF_BIRTH = datetime.date(1900, 1, 1)


class LocationQuerySet(models.QuerySet):
    def active(self) -> "LocationQuerySet":
        return self.filter(is_active=True)

    def worked_on_by(self, user) -> "LocationQuerySet":
        """The offices whose requests this staff user works on: all of them for managers."""
        if sees_all_locations(user):
            return self
        return self.filter(staff_profiles__user=user)


class Location(models.Model):
    """A clinic office where patients can be seen."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    address_line1 = models.CharField(_("address line 1"), max_length=120)
    address_line2 = models.CharField(_("address line 2"), max_length=120, blank=True)
    city = models.CharField(_("city"), max_length=80)
    state = models.CharField(_("state"), max_length=2, default="CT")
    postal_code = models.CharField(_("ZIP code"), max_length=10)
    # Left blank until staff enter the real details: none are invented.
    phone = PhoneNumberField(
        _("phone"), blank=True, region="US", help_text=_("Shown on the site when filled in.")
    )
    public_email = models.EmailField(
        _("email for patients"),
        blank=True,
        help_text=_(
            "Optional. Shown on the site when filled in; never used for new-request notices."
        ),
    )
    response_promise = models.CharField(
        _("when we contact new patients"),
        max_length=120,
        blank=True,
        help_text=_(
            "How soon the front desk contacts someone who sent a request, e.g. “within one "
            "business day”. Shown on the form, the confirmation and the email."
        ),
    )
    response_promise_es = models.CharField(
        _("when we contact new patients (Spanish)"),
        max_length=120,
        blank=True,
        help_text=_("The same promise for the Spanish pages; while blank, they show the English."),
    )
    response_business_hours = models.PositiveSmallIntegerField(
        _("that promise, in opening hours"),
        null=True,
        blank=True,
        help_text=_(
            "The same promise as a number, for the manager's figures: 8 for one business day "
            "of 9 to 5. Never shown to patients."
        ),
    )
    notification_email = models.EmailField(
        _("front-desk email"),
        blank=True,
        help_text=_("New consultation requests for this location are announced here."),
    )
    is_active = models.BooleanField(
        _("accepting requests"),
        default=True,
        help_text=_("Inactive locations are hidden from the site and the booking form."),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("state"), 2), name="location_state_two_letters"
            ),
            models.CheckConstraint(
                condition=In(Length("postal_code"), [5, 10]),
                name="location_postal_code_zip_length",
            ),
            models.CheckConstraint(
                condition=~models.Q(name="") & ~models.Q(address_line1="") & ~models.Q(city=""),
                name="location_required_text_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def street_address(self) -> str:
        return ", ".join(line for line in (self.address_line1, self.address_line2) if line)

    @property
    def locality_line(self) -> str:
        return f"{self.city}, {self.state} {self.postal_code}"

    @property
    def full_address(self) -> str:
        return f"{self.street_address}, {self.locality_line}"

    @property
    def map_url(self) -> str:
        return "https://www.google.com/maps/search/?" + urlencode(
            {"api": "1", "query": self.full_address}
        )

    @property
    def phone_uri(self) -> str:
        return f"tel:{self.phone.as_e164}" if self.phone else ""

    @property
    def phone_display(self) -> str:
        return self.phone.as_national if self.phone else ""

    @property
    def weekly_hours(self) -> list["OpeningHours"]:
        """The opening hours by weekday (prefetch `opening_hours` to read them once).

        An office rebuilt from the shared cache (while the database is down)
        carries them already, in `known_hours`.
        """
        known = getattr(self, "known_hours", None)
        if known is not None:
            return known
        return sorted(self.opening_hours.all(), key=lambda hours: hours.weekday)

    @property
    def promise(self) -> str:
        """response_promise in the visitor's language."""
        return in_active_language(self, "response_promise")

    @property
    def when_we_contact(self) -> str:
        """The sentence that tells a patient when they will hear from this office."""
        open_days = hours_lines(self.weekly_hours, closed_days=False)
        values = {"promise": self.promise, "hours": "; ".join(open_days)}
        if values["promise"] and values["hours"]:
            text = _("We aim to contact you %(promise)s, during opening hours (%(hours)s).")
        elif values["promise"]:
            text = _("We aim to contact you %(promise)s.")
        elif values["hours"]:
            text = _("Our front desk will contact you during opening hours (%(hours)s).")
        else:
            text = _("Our front desk will contact you during office hours.")
        return text % values

    @property
    def hours_lines(self) -> list[str]:
        """'Mon–Fri: 9:00 AM – 5:00 PM' etc.; empty while no hours are entered."""
        return hours_lines(self.weekly_hours)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """When an office is open on one day of the week. A day with no row is a closed day."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["location", "weekday"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.UniqueConstraint(
                fields=["location", "weekday"], name="openinghours_one_row_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6),
                name="openinghours_weekday_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")),
                name="openinghours_opens_before_it_closes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None and self.opens >= self.closes:
            raise ValidationError({"closes": _("Closing time must be after opening time.")})


class Availability(models.Model):
    """How patients may pick their own consultation time at one office.

    Without this row (or with it switched off) the office keeps the
    "we will call you to arrange a time" flow.
    """

    location = models.OneToOneField(
        Location,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="availability",
        verbose_name=_("office"),
    )
    is_active = models.BooleanField(
        _("patients can pick a time online"),
        default=False,
        help_text=_("Needs at least one weekly window and one kind of consultation below."),
    )
    in_person_minutes = models.PositiveSmallIntegerField(
        _("in person: minutes"),
        null=True,
        blank=True,
        help_text=_("Length of an in-person consultation. Leave empty if it is not offered."),
    )
    phone_minutes = models.PositiveSmallIntegerField(
        _("phone: minutes"),
        null=True,
        blank=True,
        help_text=_("Length of a phone consultation. Leave empty if it is not offered."),
    )
    video_minutes = models.PositiveSmallIntegerField(
        _("video: minutes"),
        null=True,
        blank=True,
        help_text=_("Length of a video consultation. Leave empty if it is not offered."),
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer between appointments (minutes)"), default=15
    )
    seats = models.PositiveSmallIntegerField(
        _("appointments at the same time"),
        default=1,
        help_text=_("How many consultations can run at once (rooms or clinicians)."),
    )
    notice_days = models.PositiveSmallIntegerField(
        _("minimum notice (open days)"),
        default=1,
        help_text=_(
            "1: the earliest time offered is on the next day with open times. "
            "0: later today, at least an hour ahead."
        ),
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("how far ahead (days)"), default=21, help_text=_("21 days is three weeks.")
    )

    class Meta:
        verbose_name = _("online booking")
        verbose_name_plural = _("online booking")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seats__gte=1, seats__lte=20), name="availability_seats_range"
            ),
            models.CheckConstraint(
                condition=models.Q(horizon_days__gte=1, horizon_days__lte=180)
                & models.Q(notice_days__lt=models.F("horizon_days")),
                name="availability_horizon_range",
            ),
            models.CheckConstraint(
                condition=models.Q(buffer_minutes__lte=240), name="availability_buffer_range"
            ),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{kind}_minutes__isnull": True})
                    | models.Q(**{f"{kind}_minutes__gte": 10, f"{kind}_minutes__lte": 240}),
                    name=f"availability_{kind}_length_range",
                )
                for kind in ("in_person", "phone", "video")
            ],
        ]

    def __str__(self) -> str:
        return str(self.location)

    def minutes_for(self, meeting: str) -> int | None:
        return getattr(self, f"{meeting}_minutes", None)

    @property
    def kinds(self) -> list["Meeting"]:
        """The kinds of consultation patients can book here, in the form's order."""
        return [kind for kind in Meeting if self.minutes_for(kind)]


class AvailabilityWindow(models.Model):
    """A stretch of one weekday in which consultations can be booked online."""

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="availability_windows"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))

    class Meta:
        ordering = ["location", "weekday", "starts"]
        verbose_name = _("time patients can book")
        verbose_name_plural = _("times patients can book")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6),
                name="availabilitywindow_weekday_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(starts__lt=models.F("ends")),
                name="availabilitywindow_starts_before_it_ends",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    def clean(self) -> None:
        if self.starts is not None and self.ends is not None and self.starts >= self.ends:
            raise ValidationError({"ends": _("The end must be after the start.")})


def _clock(value: datetime.time) -> str:
    # "9:00 AM"; in Spanish "9:00 a.m." (the format is translated).
    return dateformat.time_format(value, gettext("g:i A"))


# Mon … Sun, in the active language.
DAY_ABBREVIATIONS = WEEKDAYS_ABBR


def hours_lines(weekly: list[OpeningHours], *, closed_days: bool = True) -> list[str]:
    """Consecutive days with the same hours share a line: 'Mon–Fri: 9:00 AM – 5:00 PM'.

    With closed_days, days without hours get a line of their own ('Sun: closed').
    """
    if not weekly:
        return []
    by_day = {hours.weekday: (hours.opens, hours.closes) for hours in weekly}
    lines, start = [], 0
    for day in range(1, 8):
        if day < 7 and by_day.get(day) == by_day.get(start):
            continue
        span = str(DAY_ABBREVIATIONS[start])
        if day - 1 > start:
            span += "–" + str(DAY_ABBREVIATIONS[day - 1])
        times = by_day.get(start)
        if times:
            lines.append(f"{span}: {_clock(times[0])} – {_clock(times[1])}")
        elif closed_days:
            closed = pgettext("opening hours", "closed")
            lines.append(f"{span}: {closed}")
        start = day
    return lines


class Meeting(models.TextChoices):
    IN_PERSON = "in_person", _("In person at the office")
    VIDEO = "video", _("Video call")
    PHONE = "phone", _("Phone call")


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    TEXT = "text", _("Text message")
    EMAIL = "email", _("Email")


class Diagnosed(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    NOT_SURE = "not_sure", _("Not sure")


class Antidepressants(models.TextChoices):
    NONE = "none", _("None")
    ONE = "one", _("One")
    TWO_OR_MORE = "two_or_more", _("Two or more")
    NOT_SURE = "not_sure", _("Not sure")


class HeardAbout(models.TextChoices):
    DOCTOR = "doctor", _("My doctor or therapist")
    FRIEND = "friend", _("Family or a friend")
    SEARCH = "search", _("An internet search")
    OTHER = "other", _("Somewhere else")


class Status(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    SCHEDULED = "scheduled", _("Scheduled")
    CLOSED = "closed", _("Closed (seen)")
    NOT_SUITABLE = "not_suitable", _("Not suitable")
    REFERRED = "referred", _("Referred elsewhere")
    NO_RESPONSE = "no_response", _("No response")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    VOICEMAIL = "voicemail", _("Left voicemail")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


UNSUCCESSFUL_OUTCOMES = [
    ContactOutcome.VOICEMAIL,
    ContactOutcome.NO_ANSWER,
    ContactOutcome.WRONG_NUMBER,
]


# Requests the front desk still has to work on.
OPEN_STATUSES = [Status.NEW, Status.CONTACTED, Status.SCHEDULED]
CLOSED_STATUSES = [Status.CLOSED, Status.NOT_SUITABLE, Status.REFERRED, Status.NO_RESPONSE]


def sees_all_locations(user) -> bool:
    """Clinic managers (and superusers) work on every office's requests."""
    return user.is_superuser or user.has_perm("booking.view_all_locations")


def overdue_condition(cutoffs: dict[int, datetime.datetime]) -> models.Q:
    """Still New, nobody has tried to reach them, and waiting since before their office's
    cutoff (selectors.overdue_cutoffs: office id → moment)."""
    waited = models.Q(pk__in=[])
    for location_id, cutoff in cutoffs.items():
        waited |= models.Q(location_id=location_id, created_at__lt=cutoff)
    return (
        models.Q(status=Status.NEW)
        & waited
        & ~models.Exists(ContactAttempt.objects.filter(booking=models.OuterRef("pk")))
    )


class BookingQuerySet(models.QuerySet):
    def open(self) -> "BookingQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def visible_to(self, user) -> "BookingQuerySet":
        """Managers see every location; everyone else only the ones they are linked to."""
        if sees_all_locations(user):
            return self
        # A subquery of office ids, not a join through the offices: the
        # planner can then walk the triage-order index instead of sorting
        # every request of the office.
        return self.filter(location_id__in=Location.objects.worked_on_by(user).values("pk"))

    def urgent_unreached(self) -> "BookingQuerySet":
        """Urgent and nobody has reached the patient yet: these are called first."""
        return self.filter(urgent_unreached=True)

    def with_overdue(self, cutoffs: dict[int, datetime.datetime]) -> "BookingQuerySet":
        """Annotate `is_overdue`; `cutoffs` come from selectors.overdue_cutoffs()."""
        return self.annotate(
            is_overdue=models.ExpressionWrapper(
                overdue_condition(cutoffs), output_field=models.BooleanField()
            )
        )

    def with_attempts(self) -> "BookingQuerySet":
        """Annotate how many contact attempts were made, and the last one's outcome and time."""
        attempts = ContactAttempt.objects.filter(booking=models.OuterRef("pk"))
        last = attempts.order_by("-made_at", "-pk")
        return self.annotate(
            attempt_count=Coalesce(
                models.Subquery(
                    attempts.order_by().values("booking").annotate(n=models.Count("pk")).values("n")
                ),
                0,
            ),
            last_attempt_outcome=models.Subquery(last.values("outcome")[:1]),
            last_attempt_at=models.Subquery(last.values("made_at")[:1]),
        )


class Booking(models.Model):
    """A patient's request for a consultation, exactly as they sent it."""

    Meeting = Meeting
    ContactMethod = ContactMethod
    Diagnosed = Diagnosed
    Antidepressants = Antidepressants
    HeardAbout = HeardAbout
    Status = Status

    MESSAGE_MAX_LENGTH = MESSAGE_MAX_LENGTH

    reference = models.CharField(_("reference"), max_length=9, unique=True, editable=False)
    # Sent with the form; a resubmitted form carries the same key, so it can
    # never create a second row.
    submission_key = models.UUIDField(unique=True, editable=False)
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )

    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("location")
    )
    meeting = models.CharField(_("consultation by"), max_length=10, choices=Meeting.choices)

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    email = models.EmailField(_("email"), max_length=254)
    phone = PhoneNumberField(_("mobile phone"))

    contact_method = models.CharField(
        _("preferred contact"), max_length=10, choices=ContactMethod.choices
    )
    time_weekday_mornings = models.BooleanField(_("weekday mornings"), default=False)
    time_weekday_afternoons = models.BooleanField(_("weekday afternoons"), default=False)
    time_weekday_evenings = models.BooleanField(_("weekday evenings"), default=False)
    time_saturday = models.BooleanField(_("Saturday"), default=False)
    voicemail_ok = models.BooleanField(_("voicemail OK"))
    email_ok = models.BooleanField(_("email OK"))

    diagnosed = models.CharField(
        _("diagnosed with depression"), max_length=10, choices=Diagnosed.choices
    )
    antidepressants = models.CharField(
        _("antidepressants tried"), max_length=12, choices=Antidepressants.choices
    )
    seeing_clinician = models.BooleanField(_("seeing a mental-health clinician"))
    message = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH, blank=True)

    # "Thoughts of ending your life or harming yourself, right now?"
    urgent = models.BooleanField(_("urgent (safety question answered yes)"))

    consent_contact = models.BooleanField(_("agreed to be contacted"))
    consent_privacy = models.BooleanField(_("read the privacy notice"))
    heard_about = models.CharField(
        _("heard about us"), max_length=10, choices=HeardAbout.choices, blank=True
    )

    # Staff fields: written only by booking/services.py.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_bookings",
        verbose_name=_("assigned to"),
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("status changed by"),
    )
    closing_reason = models.TextField(_("reason"), blank=True)
    scheduled_for = models.DateTimeField(_("appointment"), null=True, blank=True)
    scheduled_meeting = models.CharField(
        _("appointment by"), max_length=10, choices=Meeting.choices, blank=True
    )
    video_link = models.URLField(_("video link"), max_length=500, blank=True)
    scheduled_by_patient = models.BooleanField(_("booked by the patient"), default=False)
    # The language of the site the patient used: staff call back in it, and
    # every email to the patient is written in it.
    language = models.CharField(
        _("language"), max_length=7, choices=settings.LANGUAGES, default="en"
    )
    # The first time anyone on the front desk reached the patient.
    reached_at = models.DateTimeField(_("first reached"), null=True, blank=True)
    reached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("first reached by"),
    )
    # How long the patient waited, kept when it happens for the manager's
    # figures: the first contact attempt, and the first time someone reached
    # them, in minutes from the request, by the clock and in the office's
    # opening hours (booking.insights).
    first_attempt_at = models.DateTimeField(_("first contact attempt"), null=True, blank=True)
    first_attempt_minutes = models.PositiveIntegerField(null=True, blank=True, editable=False)
    first_attempt_business_minutes = models.PositiveIntegerField(
        null=True, blank=True, editable=False
    )
    reached_minutes = models.PositiveIntegerField(null=True, blank=True, editable=False)
    reached_business_minutes = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # What the console sorts, marks red and counts as urgent: an urgent
    # answer stops being urgent for the front desk once they reach the patient.
    urgent_unreached = models.GeneratedField(
        expression=models.Q(urgent=True, reached_at__isnull=True),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("urgent, not reached yet"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    history = HistoricalRecords(
        excluded_fields=[
            "submission_key",
            "urgent_unreached",
            "first_attempt_minutes",
            "first_attempt_business_minutes",
            "reached_minutes",
            "reached_business_minutes",
        ]
    )
    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("consultation request")
        verbose_name_plural = _("consultation requests")
        permissions = [
            ("view_all_locations", _("Can see requests of every location")),
            ("export_booking", _("Can export consultation requests as CSV")),
            ("view_insights", _("Can see response times and outcomes")),
        ]
        indexes = [
            # The triage list: open requests, urgent and not yet reached
            # first, then oldest.
            models.Index(
                models.F("urgent_unreached").desc(),
                "created_at",
                name="booking_open_triage_order",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            # The same order over every request ("All" in the status filter).
            models.Index(
                models.F("urgent_unreached").desc(), "created_at", name="booking_all_triage_order"
            ),
            # The agenda: appointments by time.
            models.Index(
                fields=["scheduled_for"],
                name="booking_agenda",
                condition=models.Q(status="scheduled"),
            ),
            models.Index(fields=["location", "status"], name="booking_location_status"),
            models.Index(fields=["status", "closed_at"], name="booking_status_closed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reference__startswith="KC-") & Exact(Length("reference"), 9),
                name="booking_reference_format",
            ),
            models.CheckConstraint(
                condition=models.Q(language__in=[code for code, _name in settings.LANGUAGES]),
                name="booking_language_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(meeting__in=Meeting.values), name="booking_meeting_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(contact_method__in=ContactMethod.values),
                name="booking_contact_method_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(diagnosed__in=Diagnosed.values),
                name="booking_diagnosed_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(antidepressants__in=Antidepressants.values),
                name="booking_antidepressants_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(heard_about__in=[*HeardAbout.values, ""]),
                name="booking_heard_about_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="booking_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(first_name="") & ~models.Q(last_name=""),
                name="booking_names_present",
            ),
            models.CheckConstraint(
                condition=~models.Q(email="") & ~models.Q(phone=""),
                name="booking_contact_details_present",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("message"), MESSAGE_MAX_LENGTH),
                name="booking_message_length",
            ),
            models.CheckConstraint(
                condition=models.Q(date_of_birth__gte=EARLIEST_DATE_OF_BIRTH),
                name="booking_date_of_birth_plausible",
            ),
            models.CheckConstraint(
                condition=models.Q(consent_contact=True, consent_privacy=True),
                name="booking_consent_given",
            ),
            models.CheckConstraint(
                condition=~models.Q(contact_method="email") | models.Q(email_ok=True),
                name="booking_email_contact_needs_email_ok",
            ),
            models.CheckConstraint(
                condition=models.Q(scheduled_meeting__in=[*Meeting.values, ""]),
                name="booking_scheduled_meeting_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="scheduled")
                | (models.Q(scheduled_for__isnull=False) & ~models.Q(scheduled_meeting="")),
                name="booking_scheduled_has_appointment",
            ),
            models.CheckConstraint(
                condition=models.Q(video_link="") | models.Q(scheduled_meeting="video"),
                name="booking_video_link_only_for_video",
            ),
            models.CheckConstraint(
                condition=models.Q(reached_at__isnull=True, reached_by__isnull=True)
                | models.Q(reached_at__isnull=False, reached_by__isnull=False),
                name="booking_reached_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def clean(self) -> None:
        errors = {}
        today = timezone.localdate()
        if self.date_of_birth:
            if self.date_of_birth > today:
                errors["date_of_birth"] = ValidationError(
                    _("Date of birth must be in the past"), code="future"
                )
            elif self.date_of_birth < EARLIEST_DATE_OF_BIRTH:
                errors["date_of_birth"] = ValidationError(
                    _("Enter a real date of birth"), code="implausible"
                )
            elif age_on(self.date_of_birth, today) < ADULT_AGE:
                errors["date_of_birth"] = ValidationError(
                    _("You must be 18 or older to request a consultation with us"),
                    code="under_age",
                )
        if errors:
            raise ValidationError(errors)

    @property
    def age(self) -> int:
        return age_on(self.date_of_birth, timezone.localdate())

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def next_step(self) -> str:
        """What the front desk does next with this request, in a few words."""
        if self.status == Status.NEW:
            return _("Call now (urgent)") if self.urgent_unreached else _("Contact the patient")
        if self.status == Status.CONTACTED:
            return _("Book the appointment")
        if self.status == Status.SCHEDULED:
            if self.scheduled_for and self.scheduled_for < timezone.now():
                return _("Close after the visit")
            return _("Appointment booked")
        return _("None (closed)")

    @property
    def meets_stated_criteria(self) -> bool:
        """A hint for staff (adult, diagnosed, two or more antidepressants); never a decision."""
        return (
            age_on(self.date_of_birth, timezone.localdate()) >= ADULT_AGE
            and self.diagnosed == Diagnosed.YES
            and self.antidepressants == Antidepressants.TWO_OR_MORE
        )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def best_times(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in BEST_TIME_FIELDS
            if getattr(self, name)
        ]


BEST_TIME_FIELDS = [
    "time_weekday_mornings",
    "time_weekday_afternoons",
    "time_weekday_evenings",
    "time_saturday",
]


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    return (
        day.year
        - date_of_birth.year
        - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))
    )


class AppointmentState(models.TextChoices):
    BOOKED = "booked", _("Booked")
    MOVED = "moved", _("Moved to another time")
    CANCELLED = "cancelled", _("Cancelled")


class Appointment(models.Model):
    """A consultation time held for a request, on one of the office's seats.

    Rows are never changed in place: a new time (or a new way of meeting) is
    a new row and the old one becomes "moved", so reminders and manage links
    for the old time stop working by themselves. The request's
    `scheduled_for` and `scheduled_meeting` repeat the booked row for the
    staff list, the agenda and the export.
    """

    State = AppointmentState

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="appointments")
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    meeting = models.CharField(_("appointment by"), max_length=10, choices=Meeting.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    seat = models.PositiveSmallIntegerField(_("seat"), default=0)
    state = models.CharField(
        _("state"), max_length=10, choices=AppointmentState.choices, default=AppointmentState.BOOKED
    )
    booked_by_patient = models.BooleanField(_("booked by the patient"), default=False)
    created_at = models.DateTimeField(_("booked at"), default=timezone.now, editable=False)
    ended_at = models.DateTimeField(_("moved or cancelled at"), null=True, blank=True)
    # The manage link's token is derived from this and the site's secret key
    # (booking.manage_links), so the worker can put it in emails; only its
    # SHA-256 is stored to find the appointment from a link.
    manage_key = models.CharField(max_length=43, editable=False)
    manage_token_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["starts_at", "seat"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            # Open times: what is booked at an office between two instants.
            models.Index(
                fields=["location", "starts_at"],
                name="appointment_booked_by_office",
                condition=models.Q(state="booked"),
            ),
        ]
        constraints = [
            # No double booking: one booked appointment per seat and start
            # time, decided by the database whoever commits first.
            models.UniqueConstraint(
                fields=["location", "starts_at", "seat"],
                condition=models.Q(state="booked"),
                name="appointment_one_per_seat_and_time",
            ),
            models.UniqueConstraint(
                fields=["booking"],
                condition=models.Q(state="booked"),
                name="appointment_one_booked_per_request",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=AppointmentState.values),
                name="appointment_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(meeting__in=Meeting.values), name="appointment_meeting_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(state="booked", ended_at__isnull=True)
                | (~models.Q(state="booked") & models.Q(ended_at__isnull=False)),
                name="appointment_ended_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_booked(self) -> bool:
        return self.state == AppointmentState.BOOKED

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class NotificationKind(models.TextChoices):
    PATIENT_RECEIVED = "patient_received", _("To patient: request received")
    FRONT_DESK_NEW = "front_desk_new", _("To front desk: new request")
    PATIENT_SCHEDULED = "patient_scheduled", _("To patient: appointment confirmation")
    PATIENT_CANCELLED = "patient_cancelled", _("To patient: appointment cancelled")
    PATIENT_REMINDER = "patient_reminder", _("To patient: appointment reminder")


class NotificationState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (gave up)")
    SKIPPED = "skipped", _("Skipped (no address)")
    SUPERSEDED = "superseded", _("Superseded (rescheduled before sending)")
    TOO_LATE = "too_late", _("Not sent (its time had passed)")


class Notification(models.Model):
    """One email about a booking, and how its delivery is going."""

    Kind = NotificationKind
    State = NotificationState

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("message"), max_length=30, choices=NotificationKind.choices)
    # Confirmations and reminders are about one appointment; a reminder is
    # sent only while that appointment is still booked.
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("appointment"),
    )
    # When a reminder is due; one that cannot go out in time is not sent late.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=NotificationState.choices,
        default=NotificationState.QUEUED,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The exception's class name only: server replies can echo addresses.
    last_error = models.CharField(_("last error"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # A front-desk notice that could not be delivered stays on the staff
    # pages until someone says they have seen it.
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("email notification")
        verbose_name_plural = _("email notifications")
        indexes = [
            # The staff pages look for undelivered front-desk notices on every view.
            models.Index(
                fields=["kind", "created_at"],
                name="notification_undelivered",
                condition=models.Q(state__in=["skipped", "failed"], acknowledged_at__isnull=True),
            ),
        ]
        constraints = [
            # A booking can be rescheduled or cancelled more than once: each
            # appointment change gets its own email, every other kind goes out once.
            models.UniqueConstraint(
                fields=["booking", "kind"],
                condition=~models.Q(
                    kind__in=["patient_scheduled", "patient_cancelled", "patient_reminder"]
                ),
                name="notification_once_per_kind",
            ),
            models.UniqueConstraint(
                fields=["appointment", "due_at"],
                condition=models.Q(kind="patient_reminder"),
                name="notification_reminder_once",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="patient_reminder")
                | models.Q(appointment__isnull=False, due_at__isnull=False),
                name="notification_reminder_has_appointment_and_time",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=NotificationState.values),
                name="notification_state_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="sent") | models.Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"


class TriageNote(models.Model):
    """An internal note on a request. Never emailed, never shown to the patient."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now, editable=False)
    text = models.TextField(_("note"), max_length=2000)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="triagenote_text_present"),
        ]

    def __str__(self) -> str:
        return f"{self.booking} {self.created_at:%Y-%m-%d %H:%M}"


class ContactAttempt(models.Model):
    """One try at reaching the patient, and how it went."""

    # The same ways the patient could ask to be contacted.
    Channel = ContactMethod
    Outcome = ContactOutcome

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="contact_attempts")
    made_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    channel = models.CharField(_("how"), max_length=10, choices=ContactMethod.choices)
    outcome = models.CharField(_("outcome"), max_length=15, choices=ContactOutcome.choices)
    note = models.TextField(_("note"), max_length=1000, blank=True)

    class Meta:
        ordering = ["made_at", "pk"]
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        indexes = [models.Index(fields=["booking", "made_at"], name="contactattempt_booking")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=ContactMethod.values),
                name="contactattempt_channel_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=ContactOutcome.values),
                name="contactattempt_outcome_valid",
            ),
            # A voicemail is left on a phone call, not in an email or a text.
            models.CheckConstraint(
                condition=~models.Q(outcome="voicemail") | models.Q(channel="phone"),
                name="contactattempt_voicemail_is_a_call",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), 1000),
                name="contactattempt_note_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_outcome_display()}"

    @property
    def succeeded(self) -> bool:
        return self.outcome == ContactOutcome.REACHED


class StaffProfile(models.Model):
    """Which locations' requests a staff user works on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    locations = models.ManyToManyField(
        Location, related_name="staff_profiles", blank=True, verbose_name=_("locations")
    )

    class Meta:
        verbose_name = _("staff locations")
        verbose_name_plural = _("staff locations")

    def __str__(self) -> str:
        return str(self.user)


class ClinicClosure(models.Model):
    """A day an office (or every office) is closed, such as a public holiday.

    Not a business day: time waiting over it does not make a request overdue.
    """

    date = models.DateField(_("date"))
    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        verbose_name=_("office"),
        help_text=_("Leave empty when every office is closed."),
    )
    reason = models.CharField(
        _("reason"), max_length=120, blank=True, help_text=_("For example, “Thanksgiving”.")
    )

    class Meta:
        ordering = ["-date"]
        verbose_name = _("day the offices are closed")
        verbose_name_plural = _("days the offices are closed")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "location"], name="clinicclosure_once_per_office"
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=models.Q(location__isnull=True),
                name="clinicclosure_once_for_all_offices",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}".strip()


class AccessKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    CHANGED = "changed", _("Changed")
    REFUSED = "refused", _("Refused (not theirs to see or change)")


class BookingAccess(models.Model):
    """One row each time a staff user opens or changes a request, or is refused it."""

    Kind = AccessKind

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="accesses")
    accessed_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    kind = models.CharField(
        _("what"), max_length=10, choices=AccessKind.choices, default=AccessKind.OPENED
    )

    class Meta:
        ordering = ["-accessed_at", "-pk"]
        verbose_name = _("request access")
        verbose_name_plural = _("request access log")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=AccessKind.values), name="bookingaccess_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.booking} at {self.accessed_at:%Y-%m-%d %H:%M}"


class BookingExport(models.Model):
    """One row for each CSV export of the request list."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    exported_at = models.DateTimeField(_("exported at"), default=timezone.now, db_index=True)
    filters = models.CharField(_("filters"), max_length=500, blank=True)
    row_count = models.PositiveIntegerField(_("rows"))

    class Meta:
        ordering = ["-exported_at", "-pk"]
        verbose_name = _("request export")
        verbose_name_plural = _("request export log")

    def __str__(self) -> str:
        return f"{self.user} exported {self.row_count} rows at {self.exported_at:%Y-%m-%d %H:%M}"

import csv
import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Case, Q, When
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from booking import (
    admin_staff,  # noqa: F401  (registers the staff user admin)
    selectors,
    services,
)
from booking.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Booking,
    BookingAccess,
    BookingExport,
    ClinicClosure,
    Location,
    Meeting,
    Notification,
    TriageNote,
)
from pages.caching import RefreshesPublicPagesAdminMixin

User = get_user_model()


# The reading pages show location details and are cached.
@admin.register(Location)
class LocationAdmin(RefreshesPublicPagesAdminMixin, admin.ModelAdmin):
    list_display = ["name", "full_address", "phone", "notification_email", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "city", "postal_code"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active", "display_order"]}),
        (
            "Address",
            {"fields": ["address_line1", "address_line2", "city", "state", "postal_code"]},
        ),
        ("Contact", {"fields": ["phone", "hours", "notification_email"]}),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deactivate a location instead: past requests still refer to it.
        return False


class NotificationInline(admin.TabularInline):
    model = Notification
    extra = 0
    can_delete = False
    fields = ["kind", "state", "attempts", "last_error", "created_at", "next_attempt_at", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class TriageNoteInline(admin.StackedInline):
    """The notes timeline: earlier notes are read-only, a new one can be added."""

    model = TriageNote
    extra = 1
    can_delete = False
    fields = ["created_at", "author", "text"]
    readonly_fields = ["created_at", "author"]
    verbose_name = _("internal note (never emailed)")
    verbose_name_plural = _("internal notes (never emailed)")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


# --- Filters ------------------------------------------------------------------


class StatusFilter(admin.SimpleListFilter):
    """Open requests unless asked otherwise."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open (New, Contacted, Scheduled)")),
            *Booking.Status.choices,
            ("closed", _("Any closed status")),
            ("all", _("All")),
        ]

    def choices(self, changelist):
        current = self.value() or "open"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == "closed":
            return queryset.filter(status__in=CLOSED_STATUSES)
        if value in Booking.Status.values:
            return queryset.filter(status=value)
        return queryset


class LocationFilter(admin.SimpleListFilter):
    """Only the locations this user can see."""

    title = _("location")
    parameter_name = "location"

    def lookups(self, request, model_admin):
        locations = Location.objects.all()
        if not can_see_all_locations(request.user):
            locations = locations.filter(staff_profiles__user=request.user)
        return [(str(location.pk), location.name) for location in locations]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(location_id=self.value())
        return queryset


class AssignedFilter(admin.SimpleListFilter):
    title = _("assigned to")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", _("Me")), ("nobody", _("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


def can_see_all_locations(user) -> bool:
    return user.is_superuser or user.has_perm("booking.view_all_locations")


# --- Actions --------------------------------------------------------------------


def _apply(modeladmin, request, queryset, service, done_message) -> None:
    done = 0
    for booking in queryset:
        try:
            service(booking=booking, by=request.user)
        except ValidationError as error:
            modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)


@admin.action(description=_("Assign selected to me"), permissions=["change"])
def assign_to_me(modeladmin, request, queryset):
    def assign(*, booking, by):
        return services.booking_assign(booking=booking, to=by, by=by)

    _apply(modeladmin, request, queryset, assign, _("Assigned %(count)d request(s) to you."))


@admin.action(description=_("Mark selected as contacted"), permissions=["change"])
def mark_contacted(modeladmin, request, queryset):
    _apply(
        modeladmin,
        request,
        queryset,
        services.booking_mark_contacted,
        _("Marked %(count)d request(s) as contacted."),
    )


@admin.action(description=_("Close selected: no response"), permissions=["change"])
def mark_no_response(modeladmin, request, queryset):
    _apply(
        modeladmin,
        request,
        queryset,
        services.booking_mark_no_response,
        _("Closed %(count)d request(s) as no response."),
    )


# --- The request ------------------------------------------------------------------


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.get_username()


class BookingTriageForm(forms.ModelForm):
    """The staff fields of a request; status changes go through the services."""

    new_status = forms.ChoiceField(label=_("Change status to"), required=False)
    status_reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed for Not suitable and Referred elsewhere."),
    )
    appointment_at = forms.SplitDateTimeField(
        label=_("Appointment date and time"), required=False, widget=AdminSplitDateTime
    )
    appointment_by = forms.ChoiceField(
        label=_("Appointment by"), required=False, choices=[("", "---------"), *Meeting.choices]
    )

    # Service errors are keyed by service argument; show them on these fields.
    ERROR_FIELDS = {
        "reason": "status_reason",
        "scheduled_for": "appointment_at",
        "scheduled_meeting": "appointment_by",
    }

    # A plain select: no add/edit-user buttons next to it.
    assigned_to = StaffChoiceField(
        label=_("Assigned to"), required=False, queryset=User.objects.none()
    )

    class Meta:
        model = Booking
        fields = ["assigned_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = services.allowed_statuses(booking=self.instance) if self.instance.pk else []
        self.fields["new_status"].choices = [
            ("", _("— keep the current status —")),
            *((value, Booking.Status(value).label) for value in allowed),
        ]
        if "assigned_to" in self.fields:
            self.fields["assigned_to"].queryset = User.objects.filter(
                is_staff=True, is_active=True
            ).order_by("username")

    def clean(self):
        cleaned = super().clean()
        assignee = cleaned.get("assigned_to")
        if (
            "assigned_to" in self.changed_data
            and assignee is not None
            and not Booking.objects.visible_to(assignee).filter(pk=self.instance.pk).exists()
        ):
            self.add_error("assigned_to", _("This person does not work on this location."))
        if cleaned.get("new_status"):
            try:
                services.booking_check_status_change(
                    booking=self.instance,
                    to_status=cleaned["new_status"],
                    reason=cleaned.get("status_reason", ""),
                    scheduled_for=cleaned.get("appointment_at"),
                    meeting=cleaned.get("appointment_by", ""),
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, field_errors in error.error_dict.items():
                        self.add_error(self.ERROR_FIELDS.get(field), field_errors)
                else:
                    self.add_error("new_status", error)
        return cleaned


PATIENT_FIELDSETS = [
    (
        _("Request"),
        {"fields": ["reference", "created_at", "location", "meeting", "urgent", "screening"]},
    ),
    (
        _("Patient"),
        {
            "fields": [
                ("first_name", "last_name"),
                "date_of_birth",
                ("email", "phone"),
                "contact_method",
                "best_times_display",
                ("voicemail_ok", "email_ok"),
            ]
        },
    ),
    (
        _("What they told us"),
        {"fields": ["diagnosed", "antidepressants", "seeing_clinician", "message"]},
    ),
    (_("Consent"), {"fields": [("consent_contact", "consent_privacy"), "heard_about"]}),
]
TRIAGE_FIELDS = [
    "status",
    ("status_changed_at", "status_changed_by"),
    "closing_reason",
    ("scheduled_for", "scheduled_meeting"),
    "assigned_to",
]
STATUS_CHANGE_FIELDS = ["new_status", "status_reason", "appointment_at", "appointment_by"]


@admin.register(Booking)
class BookingAdmin(SimpleHistoryAdmin):
    form = BookingTriageForm
    list_display = [
        "reference",
        "urgent_flag",
        "received",
        "status",
        "location",
        "assigned",
        "meeting",
        "screening",
        "overdue_marker",
    ]
    list_filter = [
        LocationFilter,
        StatusFilter,
        "urgent",
        AssignedFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["location", "assigned_to"]
    search_fields = ["reference", "first_name", "last_name", "email", "phone"]
    search_help_text = _("Reference, name, email or phone")
    # No date_hierarchy: its year links cost a sort of the whole table on
    # every page; the "Received" filter (today, past 7 days, ...) covers it.
    ordering = ["-urgent", "created_at"]
    list_per_page = 100
    # Counting every request in the table is a second full count per page.
    show_full_result_count = False
    actions = [assign_to_me, mark_contacted, mark_no_response]
    inlines = [TriageNoteInline, NotificationInline]

    # --- Scope: nobody sees another location's requests -------------------------

    @staticmethod
    def _overdue_cutoff(request) -> datetime.datetime:
        # Once per request: the list and its summary above share it.
        if not hasattr(request, "_overdue_cutoff"):
            request._overdue_cutoff = selectors.overdue_cutoff()
        return request._overdue_cutoff

    def get_queryset(self, request):
        cutoff = self._overdue_cutoff(request)
        return (
            super()
            .get_queryset(request)
            .visible_to(request.user)
            .annotate(
                is_overdue=Case(
                    When(Q(status=Booking.Status.NEW, created_at__lt=cutoff), then=True),
                    default=False,
                    output_field=BooleanField(),
                )
            )
        )

    def get_object(self, request, object_id, from_field=None):
        booking = super().get_object(request, object_id, from_field)
        if booking is None:
            # Not "does not exist, redirect": out of scope is simply not found.
            raise Http404
        return booking

    def response_action(self, request, queryset, *args, **kwargs):
        selected = set(request.POST.getlist(ACTION_CHECKBOX_NAME))
        if (
            selected
            and request.POST.get("select_across") != "1"
            and queryset.filter(pk__in=selected).count() != len(selected)
        ):
            raise Http404
        return super().response_action(request, queryset, *args, **kwargs)

    def _opened(self, request, object_id) -> None:
        """Scope check, and one access-log row per page showing the request."""
        booking = self.get_object(request, object_id)
        if request.method == "GET":
            services.booking_access_record(booking=booking, user=request.user)

    def history_view(self, request, object_id, extra_context=None):
        self._opened(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._opened(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._opened(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    # --- Requests are never created or deleted here ---------------------------------

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    # --- The change page ------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        triage = list(TRIAGE_FIELDS)
        if obj is not None and self.has_change_permission(request, obj):
            if services.allowed_statuses(booking=obj):
                triage += STATUS_CHANGE_FIELDS
        else:
            triage.remove("assigned_to")
            triage.append("assigned")
        return [(_("Triage"), {"fields": triage}), *PATIENT_FIELDSETS]

    def get_readonly_fields(self, request, obj=None):
        fields = [
            field.name
            for field in Booking._meta.concrete_fields
            if field.name not in ("id", "submission_key", "assigned_to")
        ]
        return [*fields, "screening", "best_times_display", "assigned"]

    def save_model(self, request, obj, form, change):
        # Every write goes through the services, which record who and when.
        if "assigned_to" in form.changed_data:
            services.booking_assign(
                booking=obj, to=form.cleaned_data["assigned_to"], by=request.user
            )
        if form.cleaned_data.get("new_status"):
            services.booking_change_status(
                booking=obj,
                to_status=form.cleaned_data["new_status"],
                by=request.user,
                reason=form.cleaned_data.get("status_reason", ""),
                scheduled_for=form.cleaned_data.get("appointment_at"),
                meeting=form.cleaned_data.get("appointment_by", ""),
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is TriageNote:
            # The admin's change message reads these lists.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for note_form in formset.forms:
                text = note_form.cleaned_data.get("text") if note_form.has_changed() else ""
                if not note_form.instance.pk and text:
                    formset.new_objects.append(
                        services.triage_note_add(
                            booking=form.instance, author=request.user, text=text
                        )
                    )
            return
        super().save_formset(request, form, formset, change)

    # --- Columns --------------------------------------------------------------------

    @admin.display(description=_("received"), ordering="created_at")
    def received(self, obj: Booking) -> str:
        received = timezone.localtime(obj.created_at)
        age = timesince(obj.created_at, depth=1)
        return format_html("{}<br><small>{} ago</small>", f"{received:%b %d, %H:%M}", age)

    # A green tick would read as "fine"; urgent requests get a red word instead.
    @admin.display(description=_("urgent"), ordering="urgent")
    def urgent_flag(self, obj: Booking) -> str:
        if obj.urgent:
            return format_html('<strong class="urgent-flag">{}</strong>', _("Urgent"))
        return ""

    @admin.display(description=_("assigned to"), ordering="assigned_to__username")
    def assigned(self, obj: Booking) -> str:
        user = obj.assigned_to
        return (user.get_full_name() or user.get_username()) if user else "—"

    @admin.display(description=_("screening"))
    def screening(self, obj: Booking) -> str:
        if obj.meets_stated_criteria:
            return _("meets stated criteria")
        return _("needs review")

    @admin.display(description=_("overdue"), ordering="is_overdue")
    def overdue_marker(self, obj: Booking) -> str:
        if getattr(obj, "is_overdue", False):
            return format_html('<strong class="triage-overdue">{}</strong>', _("Overdue"))
        return ""

    @admin.display(description=_("best times"))
    def best_times_display(self, obj: Booking) -> str:
        return ", ".join(obj.best_times) or "—"

    # --- The list: summary, export --------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "location_summary": selectors.location_summary(
                user=request.user, overdue_before=self._overdue_cutoff(request)
            ),
            "can_export": request.user.has_perm("booking.export_booking"),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name="booking_booking_export",
        )
        return [export, *super().get_urls()]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The current filtered list as CSV, for managers; every export is logged."""
        if not request.user.has_perm("booking.export_booking"):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="requests-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(EXPORT_COLUMNS)
        rows = 0
        for booking in queryset.iterator(chunk_size=2000):
            writer.writerow(export_row(booking))
            rows += 1
        services.booking_export_record(
            user=request.user, filters=request.GET.urlencode(), row_count=rows
        )
        return response


EXPORT_COLUMNS = [
    "reference",
    "received",
    "location",
    "status",
    "status_changed",
    "urgent",
    "assigned_to",
    "meeting",
    "appointment",
    "screening",
    "overdue",
]


def export_row(booking: Booking) -> list[str]:
    def when(value):
        return timezone.localtime(value).isoformat(timespec="minutes") if value else ""

    return [
        booking.reference,
        when(booking.created_at),
        booking.location.name,
        booking.get_status_display(),
        when(booking.status_changed_at),
        "yes" if booking.urgent else "no",
        booking.assigned_to.get_username() if booking.assigned_to else "",
        booking.get_meeting_display(),
        when(booking.scheduled_for),
        "meets stated criteria" if booking.meets_stated_criteria else "needs review",
        "yes" if booking.is_overdue else "no",
    ]


# --- Audit logs: read-only, for managers ---------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ClinicClosure)
class ClinicClosureAdmin(admin.ModelAdmin):
    list_display = ["date", "reason"]
    search_fields = ["reason"]


@admin.register(BookingAccess)
class BookingAccessAdmin(ReadOnlyAdmin):
    list_display = ["accessed_at", "user", "booking"]
    list_filter = [("accessed_at", admin.DateFieldListFilter)]
    list_select_related = ["user", "booking"]
    search_fields = ["booking__reference", "user__username"]
    date_hierarchy = "accessed_at"


@admin.register(BookingExport)
class BookingExportAdmin(ReadOnlyAdmin):
    list_display = ["exported_at", "user", "row_count", "filters"]
    list_select_related = ["user"]
    date_hierarchy = "exported_at"

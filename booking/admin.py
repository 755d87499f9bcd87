import csv
import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from booking import (
    admin_staff,  # noqa: F401  (registers the staff user admin)
    charts,
    forms,
    insights,
    selectors,
    services,
)
from booking.models import (
    CLOSED_STATUSES,
    Availability,
    AvailabilityWindow,
    Booking,
    BookingAccess,
    BookingExport,
    ClinicClosure,
    ContactOutcome,
    Location,
    OpeningHours,
)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0
    max_num = 7
    verbose_name_plural = _("opening hours (a day not listed is a closed day)")


class AvailabilityInline(admin.StackedInline):
    model = Availability
    max_num = 1
    can_delete = False
    verbose_name_plural = _("online booking (patients pick their own time)")
    fields = [
        "is_active",
        ("in_person_minutes", "phone_minutes", "video_minutes"),
        ("buffer_minutes", "seats"),
        ("notice_days", "horizon_days"),
    ]


class AvailabilityWindowInline(admin.TabularInline):
    model = AvailabilityWindow
    formset = forms.AvailabilityWindowFormSet
    extra = 0
    verbose_name_plural = _("times patients can book online (closed days are never offered)")


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    inlines = [OpeningHoursInline, AvailabilityInline, AvailabilityWindowInline]
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
        (
            "Contact",
            {
                "fields": [
                    "phone",
                    "public_email",
                    "response_promise",
                    "response_promise_es",
                    "response_business_hours",
                    "notification_email",
                ]
            },
        ),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deactivate a location instead: past requests still refer to it.
        return False

    def save_model(self, request, obj, form, change):
        # The public pages show these details: the services refresh them.
        services.location_save(location=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not OpeningHours:
            return super().save_formset(request, form, formset, change)
        weekly = [
            (row["weekday"], row["opens"], row["closes"])
            for row in formset.cleaned_data
            if row and not row.get("DELETE")
        ]
        rows = services.opening_hours_set(location=form.instance, weekly=weekly)
        # The admin's change message reads these.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = rows, [], []


# --- Filters: the list accepts these and nothing else ------------------------------


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
            return queryset.open()
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
        locations = Location.objects.worked_on_by(request.user)
        return [(str(location.pk), location.name) for location in locations]

    def queryset(self, request, queryset):
        if self.value() in {str(pk) for pk, _name in self.lookup_choices}:
            return queryset.filter(location_id=self.value())
        return queryset


class UrgencyFilter(admin.SimpleListFilter):
    title = _("urgent")
    parameter_name = "urgency"

    def lookups(self, request, model_admin):
        return [
            ("unreached", _("Urgent, not reached yet")),
            ("reached", _("Urgent, reached")),
            ("any", _("Any urgent answer")),
            ("no", _("Not urgent")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "unreached":
                return queryset.urgent_unreached()
            case "reached":
                return queryset.filter(urgent=True, reached_at__isnull=False)
            case "any":
                return queryset.filter(urgent=True)
            case "no":
                return queryset.filter(urgent=False)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(is_overdue=True)
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


# --- List actions -------------------------------------------------------------------


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


# --- The console: one page per request, one small form per action ----------------

# name → (form, what the service does with it, the message on success)
CONSOLE_ACTIONS = {
    "attempt": (
        forms.ContactAttemptForm,
        lambda booking, data, by: services.contact_attempt_log(
            booking=booking,
            by=by,
            channel=data["channel"],
            outcome=data["outcome"],
            note=data["note"],
        ),
        _("Contact attempt logged."),
    ),
    "schedule": (
        forms.ScheduleForm,
        lambda booking, data, by: services.booking_schedule(
            booking=booking,
            by=by,
            starts_at=data["starts_at"],
            meeting=data["meeting"],
            video_link=data["video_link"],
        ),
        _("Appointment saved. The patient's confirmation is queued (if they allowed email)."),
    ),
    "cancel": (
        forms.ConfirmForm,
        lambda booking, data, by: services.booking_cancel_appointment(booking=booking, by=by),
        _("Appointment cancelled. The patient is told by email (if they allowed email)."),
    ),
    "close": (
        forms.CloseForm,
        lambda booking, data, by: services.booking_close(
            booking=booking, by=by, outcome=data["outcome"], reason=data["reason"]
        ),
        _("Request closed."),
    ),
    "assign": (
        forms.AssignForm,
        lambda booking, data, by: services.booking_assign(
            booking=booking, to=data["assigned_to"], by=by
        ),
        _("Assignment saved."),
    ),
    "assign_me": (
        forms.ConfirmForm,
        lambda booking, data, by: services.booking_assign(booking=booking, to=by, by=by),
        _("Assigned to you."),
    ),
    "note": (
        forms.NoteForm,
        lambda booking, data, by: services.triage_note_add(
            booking=booking, author=by, text=data["text"]
        ),
        _("Note added."),
    ),
}


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "urgent_flag",
        "received",
        "status",
        "next_step",
        "appointment",
        "office",
        "attempts",
        "assigned",
        "requested_mode",
        "screening",
    ]
    list_display_links = ["reference"]
    list_filter = [
        LocationFilter,
        StatusFilter,
        UrgencyFilter,
        OverdueFilter,
        AssignedFilter,
        "language",
        ("created_at", admin.DateFieldListFilter),
    ]
    # Query-string parameters the filters above read: no other lookup is
    # accepted, so nobody can narrow the list by a patient's date of birth,
    # email or answers without opening (and logging) the request.
    ALLOWED_LOOKUPS = {
        "status",
        "location",
        "urgency",
        "overdue",
        "assigned",
        "language__exact",
        "created_at__gte",
        "created_at__lt",
        "created_at__isnull",
    }
    list_select_related = ["location", "assigned_to"]
    search_fields = ["reference", "first_name", "last_name", "email", "phone"]
    search_help_text = _("Reference, name, email or phone")
    # No date_hierarchy: its year links cost a sort of the whole table on
    # every page; the "Received" filter (today, past 7 days, ...) covers it.
    ordering = ["-urgent_unreached", "created_at"]
    list_per_page = 100
    # Counting every request in the table is a second full count per page.
    show_full_result_count = False
    actions = [assign_to_me, mark_contacted, mark_no_response]

    # --- Scope: nobody sees another location's requests -------------------------

    def lookup_allowed(self, lookup, value, request) -> bool:
        return lookup in self.ALLOWED_LOOKUPS

    @staticmethod
    def _overdue_cutoff(request) -> dict[int, datetime.datetime]:
        # Once per request: the list and its summary above share it.
        if not hasattr(request, "_overdue_cutoff"):
            request._overdue_cutoff = selectors.overdue_cutoffs()
        return request._overdue_cutoff

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .visible_to(request.user)
            .with_overdue(self._overdue_cutoff(request))
            .with_attempts()
        )

    def get_object(self, request, object_id, from_field=None):
        booking = super().get_object(request, object_id, from_field)
        if booking is None:
            # Not "does not exist, redirect": out of scope is simply not found.
            self._record_refused(request, [object_id])
            raise Http404
        return booking

    def _record_refused(self, request, object_ids) -> None:
        """Log attempts at requests that exist but are not this user's to see."""
        ids = [pk for pk in object_ids if str(pk).isdigit()]
        for booking in Booking.objects.filter(pk__in=ids).only("pk"):
            services.booking_access_record(
                booking=booking, user=request.user, kind=BookingAccess.Kind.REFUSED
            )

    def response_action(self, request, queryset, *args, **kwargs):
        selected = set(request.POST.getlist(ACTION_CHECKBOX_NAME))
        if selected and request.POST.get("select_across") != "1":
            visible = {
                str(pk) for pk in queryset.filter(pk__in=selected).values_list("pk", flat=True)
            }
            if visible != selected:
                self._record_refused(request, selected - visible)
                raise Http404
        return super().response_action(request, queryset, *args, **kwargs)

    # --- Requests are never created or deleted here ---------------------------------

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    # --- The request page -----------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export/", view(self.export_view), name="booking_booking_export"),
            path("agenda/", view(self.agenda_view), name="booking_booking_agenda"),
            path("insights/", view(self.insights_view), name="booking_booking_insights"),
            path(
                "insights/download/",
                view(self.insights_download_view),
                name="booking_booking_insights_download",
            ),
            path(
                "<path:object_id>/do/<slug:action>/",
                view(self.action_view),
                name="booking_booking_action",
            ),
            *super().get_urls(),
        ]

    def _booking_for(self, request, object_id, *, change: bool = False) -> Booking:
        booking = self.get_object(request, object_id)
        allowed = (
            self.has_change_permission(request, booking)
            if change
            else self.has_view_or_change_permission(request, booking)
        )
        if not allowed:
            self._record_refused(request, [booking.pk])
            raise PermissionDenied
        return booking

    def change_view(self, request, object_id, form_url="", extra_context=None):
        booking = self._booking_for(request, object_id)
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        services.booking_access_record(booking=booking, user=request.user)
        return self._console(request, booking)

    def history_view(self, request, object_id, extra_context=None):
        # The console's timeline is the history, in office time and plain words.
        booking = self._booking_for(request, object_id)
        return redirect(reverse("admin:booking_booking_change", args=[booking.pk]) + "#timeline")

    def action_view(self, request, object_id, action):
        if action not in CONSOLE_ACTIONS:
            raise Http404
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        booking = self._booking_for(request, object_id, change=True)
        form_class, perform, done = CONSOLE_ACTIONS[action]
        form = form_class(request.POST, booking=booking, prefix=action)
        if form.is_valid():
            try:
                perform(booking, form.cleaned_data, request.user)
            except ValidationError as error:
                # Someone else changed the request since this page was drawn.
                form.add_error(None, error)
            else:
                services.booking_access_record(
                    booking=booking, user=request.user, kind=BookingAccess.Kind.CHANGED
                )
                self.message_user(request, done, messages.SUCCESS)
                return redirect("admin:booking_booking_change", booking.pk)
        self.message_user(
            request, _("Nothing was saved: see the form marked below."), messages.ERROR
        )
        return self._console(request, booking, bound={action: form})

    def _console(self, request, booking: Booking, bound: dict | None = None):
        bound = bound or {}
        booking = (
            Booking.objects.with_overdue(self._overdue_cutoff(request))
            .select_related("location", "assigned_to", "reached_by", "status_changed_by")
            .get(pk=booking.pk)
        )

        def form(name):
            return bound.get(name) or CONSOLE_ACTIONS[name][0](booking=booking, prefix=name)

        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": booking.reference,
            "subtitle": None,
            "booking": booking,
            "timeline": selectors.booking_timeline(booking=booking),
            "can_change": self.has_change_permission(request, booking),
            "forms": {name: form(name) for name in CONSOLE_ACTIONS},
            "bound_action": next(iter(bound), ""),
            "no_response_after": settings.BOOKING_NO_RESPONSE_AFTER_ATTEMPTS,
        }
        return TemplateResponse(request, "admin/booking/booking/console.html", context)

    # --- Columns --------------------------------------------------------------------

    @admin.display(description=_("received"), ordering="created_at")
    def received(self, obj: Booking) -> str:
        received = dateformat.format(timezone.localtime(obj.created_at), "M j, g:i A")
        age = timesince(obj.created_at, depth=1)
        overdue = ""
        if getattr(obj, "is_overdue", False):
            overdue = format_html('<br><strong class="triage-overdue">{}</strong>', _("Overdue"))
        return format_html(
            '<span class="received-at">{}<br></span><small>{} ago</small>{}', received, age, overdue
        )

    # A green tick would read as "fine"; urgent requests get a red word
    # until someone reaches the patient, then a quiet one.
    @admin.display(description=_("urgent"), ordering="-urgent_unreached")
    def urgent_flag(self, obj: Booking) -> str:
        if obj.urgent_unreached:
            return format_html('<strong class="urgent-flag">{}</strong>', _("Urgent"))
        if obj.urgent:
            return format_html('<span class="urgent-reached">{}</span>', _("urgent, reached"))
        return ""

    @admin.display(description=_("office"), ordering="location__name")
    def office(self, obj: Booking) -> str:
        # Beside the office, the exception: a patient to call back in Spanish.
        if obj.language == settings.LANGUAGE_CODE:
            return obj.location.name
        return format_html(
            '{}<br><strong class="language-flag">{}</strong>',
            obj.location.name,
            obj.get_language_display(),
        )

    @admin.display(description=_("next step"))
    def next_step(self, obj: Booking) -> str:
        return obj.next_step

    @admin.display(description=_("appointment"), ordering="scheduled_for")
    def appointment(self, obj: Booking) -> str:
        if obj.status != Booking.Status.SCHEDULED:
            return "—"
        mode = obj.get_scheduled_meeting_display()
        if obj.scheduled_by_patient:
            mode = _("%(mode)s, booked by the patient") % {"mode": mode}
        return format_html(
            "{}<br><small>{}</small>", selectors.office_time(obj.scheduled_for), mode
        )

    @admin.display(description=_("attempts"))
    def attempts(self, obj: Booking) -> str:
        if not obj.attempt_count:
            return "0"
        outcome = ContactOutcome(obj.last_attempt_outcome).label.lower()
        when = dateformat.format(timezone.localtime(obj.last_attempt_at), "D g:i A")
        return format_html(
            "{}<br><small>{}: {}, {}</small>", obj.attempt_count, _("last"), outcome, when
        )

    @admin.display(description=_("requested"))
    def requested_mode(self, obj: Booking) -> str:
        return obj.get_meeting_display()

    @admin.display(description=_("assigned to"), ordering="assigned_to__username")
    def assigned(self, obj: Booking) -> str:
        return selectors.staff_name(obj.assigned_to) or "—"

    @admin.display(description=_("screening"))
    def screening(self, obj: Booking) -> str:
        if obj.meets_stated_criteria:
            return _("meets stated criteria")
        return _("needs review")

    # --- The list: summary, export, agenda -------------------------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "location_summary": selectors.location_summary(
                user=request.user, overdue_before=self._overdue_cutoff(request)
            ),
            "can_export": request.user.has_perm("booking.export_booking"),
            "title": _("Consultation requests"),
            "undelivered": selectors.undelivered_notices(user=request.user),
        }
        return super().changelist_view(request, extra_context)

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
        rows = -1  # the header
        for row in selectors.booking_export_rows(queryset):
            writer.writerow(row)
            rows += 1
        # Which filters, never what was typed in the search box.
        filters = [(k, v) for k, v in request.GET.items() if k in self.ALLOWED_LOOKUPS]
        if request.GET.get("q"):
            filters.append(("search", "used"))
        services.booking_export_record(
            user=request.user, filters=urlencode(filters), row_count=rows
        )
        return response

    def agenda_view(self, request: HttpRequest) -> HttpResponse:
        """Per office, this week's appointments (or the week of ?week=YYYY-MM-DD)."""
        today = timezone.localdate()
        try:
            day = datetime.date.fromisoformat(request.GET.get("week", ""))
        except ValueError:
            day = today
        monday = day - datetime.timedelta(days=day.weekday())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Appointments"),
            "subtitle": None,
            "today": today,
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "previous_week": monday - datetime.timedelta(days=7),
            "next_week": monday + datetime.timedelta(days=7),
            "offices": selectors.agenda(user=request.user, start=monday, days=7),
        }
        return TemplateResponse(request, "admin/booking/booking/agenda.html", context)

    # --- The manager's figures ----------------------------------------------------------

    def _insights(self, request: HttpRequest):
        if not request.user.has_perm("booking.view_insights"):
            raise PermissionDenied
        form = forms.InsightsForm(request.GET)
        if form.is_valid():
            period, office = form.period(), form.cleaned_data["office"]
        else:
            period, office = insights.period_ending(timezone.localdate()), None
        return form, insights.insights(period=period, office=office)

    def insights_view(self, request: HttpRequest) -> HttpResponse:
        """Response times, volume and outcomes, per office or together (managers only)."""
        form, figures = self._insights(request)
        offices = insights.shown_offices(figures)
        waits = [
            (urgent, [(insights.WAITS[kind], wait) for kind, wait in figures.waits[urgent].items()])
            for urgent in (True, False)
        ]
        wait_bars = [
            (f"{group} · {percentile}%", minutes or 0, charts.duration(minutes))
            for urgent, group in ((True, _("Urgent")), (False, _("Other")))
            for percentile, minutes in sorted(
                figures.waits[urgent]["first_attempt"].business.items()
            )
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("How are we doing?"),
            "subtitle": None,
            "form": form,
            "figures": figures,
            "waits": waits,
            "wait_chart": charts.horizontal_bars(wait_bars),
            "weekly_chart": charts.weekly_columns(figures.weekly, offices),
            "offices": offices,
            "funnel": insights.funnel_rows(figures),
            "funnel_chart": charts.horizontal_bars(
                [(label, n, str(n)) for label, n in insights.funnel_rows(figures)]
            ),
            "heard_chart": charts.horizontal_bars(
                [(label, n, str(n)) for label, n in figures.heard_about]
            ),
            "download_query": request.GET.urlencode(),
        }
        return TemplateResponse(
            request,
            "admin/booking/booking/insights.html",
            context,
            status=200 if form.is_valid() else 400,
        )

    def insights_download_view(self, request: HttpRequest) -> HttpResponse:
        """The same figures as CSV: aggregates only; every download is logged."""
        form, figures = self._insights(request)
        rows = insights.csv_rows(figures)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="insights-{figures.period.start.isoformat()}.csv"'
        )
        csv.writer(response).writerows(rows)
        services.booking_export_record(
            user=request.user,
            filters=form.describe() if form.is_valid() else "insights: defaults",
            row_count=len(rows) - 1,
        )
        return response


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
    list_display = ["date", "office", "reason"]
    list_filter = ["location"]
    list_select_related = ["location"]
    search_fields = ["reason"]

    @admin.display(description=_("office"), ordering="location__name")
    def office(self, closure: ClinicClosure) -> str:
        return closure.location.name if closure.location else _("Every office")


@admin.register(BookingAccess)
class BookingAccessAdmin(ReadOnlyAdmin):
    list_display = ["accessed_at", "kind", "user", "booking"]
    list_filter = ["kind", ("accessed_at", admin.DateFieldListFilter)]
    list_select_related = ["user", "booking"]
    search_fields = ["booking__reference", "user__username"]
    date_hierarchy = "accessed_at"


@admin.register(BookingExport)
class BookingExportAdmin(ReadOnlyAdmin):
    list_display = ["exported_at", "user", "row_count", "filters"]
    list_select_related = ["user"]
    date_hierarchy = "exported_at"

from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pages import services
from pages.content import HEALTH_PAGES
from pages.models import TRANSLATED_FIELDS, ClinicFacts, PageReview

DUE_SOON_DAYS = 30


class ReviewStatusFilter(admin.SimpleListFilter):
    title = _("review status")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("due_soon", _("Due within %(days)d days") % {"days": DUE_SOON_DAYS}),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.overdue(on=today)
        if self.value() == "due_soon":
            return queryset.due_within(on=today, days=DUE_SOON_DAYS)
        return queryset


@admin.register(PageReview)
class PageReviewAdmin(admin.ModelAdmin):
    list_display = [
        "page",
        "language",
        "reviewer_name",
        "reviewer_credentials",
        "last_reviewed",
        "next_review_due",
        "overdue",
    ]
    list_filter = [ReviewStatusFilter, "language"]
    search_fields = ["reviewer_name"]

    # The public pages show review dates: the services refresh them.
    def save_model(self, request, obj, form, change):
        services.page_review_save(review=obj)

    def delete_model(self, request, obj):
        services.page_review_delete(review=obj)

    def delete_queryset(self, request, queryset):
        for review in queryset:
            services.page_review_delete(review=review)

    @admin.display(boolean=True, description=_("overdue"))
    def overdue(self, review: PageReview) -> bool:
        return review.is_overdue(on=timezone.localdate())

    def changelist_view(self, request, extra_context=None):
        # Pages nobody has reviewed have no row yet; list them so they are not forgotten.
        reviewed = set(PageReview.objects.values_list("page", "language"))
        extra_context = {
            **(extra_context or {}),
            "pages_never_reviewed": [
                (page, name)
                for page in HEALTH_PAGES
                for code, name in settings.LANGUAGES
                if (page.key, code) not in reviewed
            ],
        }
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(ClinicFacts)
class ClinicFactsAdmin(admin.ModelAdmin):
    """The one set of clinic facts: edited in place, never added twice or deleted."""

    fieldsets = [
        (
            _("Ways of giving ketamine that we offer"),
            {
                "description": _(
                    "While none is ticked, the pages say staff will tell patients which "
                    "methods we offer."
                ),
                "fields": ["offers_iv_infusion", "offers_intramuscular", "offers_esketamine"],
            },
        ),
        (
            _("Treatment visits"),
            {
                "description": _(
                    "Each is shown to patients as written. While a field is blank, the pages "
                    "say that staff will tell the patient."
                ),
                "fields": [
                    "monitoring_after_session",
                    "visit_length",
                    "eating_drinking_rule",
                    "out_of_hours",
                ],
            },
        ),
        (_("Cost"), {"fields": ["consultation_cost"]}),
        (
            _("Our physician"),
            {
                "description": _("Shown on the physician page once filled in."),
                "fields": ["physician_specialty", "physician_board_certification"],
            },
        ),
        (
            _("In Spanish"),
            {
                "description": _(
                    "The same facts for the Spanish pages. While one is blank, the Spanish "
                    "pages show the English."
                ),
                "classes": ["collapse"],
                "fields": [f"{name}_es" for name in TRANSLATED_FIELDS],
            },
        ),
    ]

    def has_add_permission(self, request):
        # The data migration creates the row; this only matters if it was removed.
        return super().has_add_permission(request) and not ClinicFacts.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    # The pages show these facts: the service refreshes them.
    def save_model(self, request, obj, form, change):
        services.clinic_facts_save(facts=obj)

    def changelist_view(self, request, extra_context=None):
        facts = ClinicFacts.objects.first()
        if facts is not None:
            return redirect(reverse("admin:pages_clinicfacts_change", args=[facts.pk]))
        return super().changelist_view(request, extra_context=extra_context)

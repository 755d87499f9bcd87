"""makemessages for the public site only.

Staff work in English (the admin is never under /es/), so the Spanish
catalogue holds what patients read: the staff-only templates and modules
below are left out, and every string in it must be translated
(tests/test_translations.py).
"""

from django.core.management.commands import makemessages

STAFF_ONLY = [
    ".venv",
    "staticfiles",
    "tests",
    "templates/admin",
    "templates/booking/email/front_desk_new*",
    "templates/otp",
    "pages/templates/admin",
    "pages/admin.py",
    "pages/checks.py",
    "booking/admin.py",
    "booking/admin_site.py",
    "booking/admin_staff.py",
    "booking/charts.py",
    "booking/checks.py",
    "booking/insights.py",
    "booking/selectors.py",
    "booking/staff_forms.py",
    "booking/staff_services.py",
    "booking/staff_views.py",
]


class Command(makemessages.Command):
    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *STAFF_ONLY]
        # Source references without line numbers: a moved line does not touch the catalogue.
        options.setdefault("add_location", "file")
        if options["add_location"] is None:
            options["add_location"] = "file"
        super().handle(*args, **options)

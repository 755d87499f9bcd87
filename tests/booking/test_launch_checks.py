"""Launch checks: `check --deploy` and the managers' admin banner name what is missing."""

import datetime
import itertools

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from booking import admin_site
from booking.checks import check_launch_settings, check_offices
from booking.models import Location, OpeningHours
from pages.checks import check_health_page_reviews
from pages.content import HEALTH_PAGES
from pages.models import PageReview

pytestmark = pytest.mark.django_db

PRODUCTION_READY = {
    "ADMIN_URL": "staff-7k2q9x/",
    "REDIS_URL": "redis://cache.clinic.test:6379/0",
    "MAILERS": {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}},
    "FRONT_DESK_FALLBACK_EMAIL": "",
}


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    for name, value in PRODUCTION_READY.items():
        setattr(settings, name, value)
    return settings


def complete(office: Location) -> Location:
    office.phone = "+12035550100"
    office.notification_email = f"{office.slug}@clinic.test"
    office.save()
    for day in range(5):
        OpeningHours.objects.create(
            location=office, weekday=day, opens=datetime.time(9), closes=datetime.time(17)
        )
    return office


def review_every_page(*, due_in_days: int = 365) -> None:
    today = timezone.localdate()
    for page, language in itertools.product(HEALTH_PAGES, ["en", "es"]):
        PageReview.objects.create(
            page=page.key,
            language=language,
            reviewer_name="Dr. Ada Reviewer",
            reviewer_credentials="MD",
            last_reviewed=today - datetime.timedelta(days=400),
            next_review_due=today + datetime.timedelta(days=due_in_days),
        )


def ids(messages) -> list[str]:
    return [message.id for message in messages]


# --- Offices ----------------------------------------------------------------------


def test_each_missing_office_detail_is_its_own_error_naming_the_office_and_where_to_fix_it(
    production, clinic_locations
):
    problems = check_offices()

    found = {(str(problem.obj), problem.id) for problem in problems}
    assert found == {
        (office, check_id)
        for office in ["Milford", "Westport"]
        for check_id in ["clinic.E001", "clinic.E002", "clinic.E003"]
    }
    assert all(problem.level == checks.ERROR for problem in problems)
    by_id = {problem.id: problem for problem in problems if str(problem.obj) == "Milford"}
    assert "Milford office has no phone number" in by_id["clinic.E001"].msg
    assert by_id["clinic.E001"].hint == (
        "Enter it in Admin → Bookings → Locations → Milford → Contact → Phone."
    )
    assert "Milford office has no opening hours" in by_id["clinic.E002"].msg
    assert "Admin → Bookings → Locations → Milford → Opening hours" in by_id["clinic.E002"].hint
    assert "no front-desk email" in by_id["clinic.E003"].msg
    assert "Admin → Bookings → Locations → Milford → Contact → Front-desk email" in (
        by_id["clinic.E003"].hint
    )
    assert "DJANGO_FRONT_DESK_EMAIL" in by_id["clinic.E003"].hint


def test_a_complete_office_and_an_inactive_one_pass(production, clinic_locations):
    milford, westport = sorted(clinic_locations, key=lambda office: office.slug)
    complete(milford)
    westport.is_active = False
    westport.save()

    assert check_offices() == []


def test_the_fallback_front_desk_address_covers_offices_without_their_own(
    production, clinic_locations
):
    production.FRONT_DESK_FALLBACK_EMAIL = "desk@clinic.test"

    assert "clinic.E003" not in ids(check_offices())
    assert {"clinic.E001", "clinic.E002"} <= set(ids(check_offices()))


def test_with_debug_on_the_same_problems_are_warnings(production, clinic_locations):
    production.DEBUG = True

    problems = check_offices() + check_health_page_reviews()

    assert problems
    assert {problem.level for problem in problems} == {checks.WARNING}
    assert {"clinic.E001", "clinic.E002", "clinic.E003", "clinic.E004"} == set(ids(problems))


def test_an_unreadable_database_is_one_warning_to_run_migrate(production, monkeypatch):
    def no_tables(*args, **kwargs):
        raise OperationalError("no such table: booking_location")

    monkeypatch.setattr(Location.objects, "active", no_tables)

    (problem,) = check_offices()

    assert problem.id == "clinic.W001"
    assert problem.level == checks.WARNING
    assert problem.msg == "Could not read the offices: run migrate."


# --- Health pages -----------------------------------------------------------------


def test_every_health_page_without_a_review_is_named_with_where_to_record_it(production):
    problems = check_health_page_reviews()

    assert ids(problems) == ["clinic.E004"] * len(HEALTH_PAGES) * 2
    english, spanish = problems[: len(HEALTH_PAGES)], problems[len(HEALTH_PAGES) :]
    for page, problem in zip(HEALTH_PAGES, english, strict=True):
        assert f"The health page “{page.title}” has no clinical review" in problem.msg
        assert "Admin → Educational pages → Page reviews" in problem.hint
    for page, problem in zip(HEALTH_PAGES, spanish, strict=True):
        assert f"The Spanish health page “{page.title}” has no clinical review" in problem.msg
        assert problem.obj == f"es:{page.key}"


def test_a_spanish_page_needs_its_own_review_whatever_the_english_one_says(production):
    for page in HEALTH_PAGES:
        PageReview.objects.create(
            page=page.key,
            reviewer_name="Dr. Ada Reviewer",
            reviewer_credentials="MD",
            last_reviewed=timezone.localdate(),
            next_review_due=timezone.localdate() + datetime.timedelta(days=365),
        )

    problems = check_health_page_reviews()

    assert len(problems) == len(HEALTH_PAGES)
    assert all(problem.msg.startswith("The Spanish health page") for problem in problems)


def test_an_overdue_review_is_named_with_its_due_date_and_current_ones_pass(production):
    review_every_page()
    first = HEALTH_PAGES[0]
    PageReview.objects.filter(page=first.key, language="es").update(
        next_review_due=timezone.localdate() - datetime.timedelta(days=1)
    )

    (problem,) = check_health_page_reviews()

    assert problem.id == "clinic.E004"
    assert f"The clinical review of the Spanish health page “{first.title}” was due on" in (
        problem.msg
    )

    PageReview.objects.filter(page=first.key).update(next_review_due=timezone.localdate())
    assert check_health_page_reviews() == []


# --- Settings ---------------------------------------------------------------------


def test_production_ready_settings_pass(production):
    assert check_launch_settings() == []


def test_the_default_admin_path_is_an_error_saying_which_variable_to_set(production):
    production.ADMIN_URL = "admin/"

    (problem,) = check_launch_settings()

    assert problem.id == "clinic.E005"
    assert problem.level == checks.ERROR
    assert "DJANGO_ADMIN_URL" in problem.hint


def test_production_without_redis_is_an_error(production):
    production.REDIS_URL = ""

    (problem,) = check_launch_settings()

    assert problem.id == "clinic.E006"
    assert "REDIS_URL is not set" in problem.msg
    assert "rate limits and page refreshes" in problem.msg


@pytest.mark.parametrize("backend", ["console", "locmem", "dummy"])
def test_an_email_backend_that_reaches_nobody_is_an_error(production, backend):
    production.MAILERS = {
        "default": {"BACKEND": f"django.core.mail.backends.{backend}.EmailBackend"}
    }

    (problem,) = check_launch_settings()

    assert problem.id == "clinic.E007"
    assert f"{backend} backend" in problem.msg
    assert "DJANGO_EMAIL_BACKEND" in problem.hint


def test_the_file_email_backend_needs_a_folder(production, tmp_path):
    file_backend = "django.core.mail.backends.filebased.EmailBackend"
    production.MAILERS = {"default": {"BACKEND": file_backend}}

    (problem,) = check_launch_settings()
    assert problem.id == "clinic.E008"
    assert "'file_path'" in problem.msg

    production.MAILERS = {
        "default": {"BACKEND": file_backend, "OPTIONS": {"file_path": str(tmp_path)}}
    }
    assert check_launch_settings() == []


def test_check_deploy_runs_the_launch_checks_and_plain_check_does_not(production):
    production.ADMIN_URL = "admin/"

    call_command("check", verbosity=0)
    with pytest.raises(SystemCheckError, match=r"clinic\.E005"):
        call_command("check", deploy=True, verbosity=0)


# --- The managers' banner in the admin --------------------------------------------


def test_managers_see_every_launch_problem_on_every_admin_page_with_a_link_to_fix_it(
    production, manager_client
):
    production.ADMIN_URL = "admin/"
    milford = Location.objects.get(slug="milford")
    # The admin path, three details for each of two offices, every health page
    # in each language.
    expected = 1 + 2 * 3 + 2 * len(HEALTH_PAGES)

    for url in [reverse("admin:index"), reverse("admin:booking_booking_changelist")]:
        html = manager_client.get(url).content.decode()
        assert 'class="launch-banner"' in html, url
        assert f"Not ready for patients yet: {expected} launch checks fail" in html, url
        assert "The Milford office has no phone number" in html
        assert reverse("admin:booking_location_change", args=[milford.pk]) in html
        assert reverse("admin:pages_pagereview_changelist") in html
        assert "clinic.E005" in html


def test_the_front_desk_does_not_see_the_launch_banner(production, desk_client, manager_client):
    production.ADMIN_URL = "admin/"

    assert "launch-banner" in manager_client.get(reverse("admin:index")).content.decode()
    assert "launch-banner" not in desk_client.get(reverse("admin:index")).content.decode()


def test_the_banner_goes_once_everything_is_entered(production, manager_client):
    assert "launch-banner" in manager_client.get(reverse("admin:index")).content.decode()

    for office in Location.objects.all():
        complete(office)
    review_every_page()

    assert "launch-banner" not in manager_client.get(reverse("admin:index")).content.decode()


def test_the_banner_adds_two_queries_to_an_admin_page(production, manager_client, monkeypatch):
    url = reverse("admin:booking_booking_changelist")
    with CaptureQueriesContext(connection) as with_banner:
        assert "launch-banner" in manager_client.get(url).content.decode()

    monkeypatch.setattr(admin_site, "launch_problems", list)
    with CaptureQueriesContext(connection) as without:
        assert "launch-banner" not in manager_client.get(url).content.decode()

    assert len(with_banner.captured_queries) == len(without.captured_queries) + 2


def test_blank_clinic_facts_are_named_in_a_warning_until_entered():
    from pages.checks import check_clinic_facts
    from pages.models import ClinicFacts

    (warning,) = check_clinic_facts()
    assert warning.id == "clinic.W003" and warning.level == checks.WARNING
    assert "which treatments the clinic offers" in warning.msg
    assert "how long patients stay after a session" in warning.msg

    ClinicFacts.objects.update_or_create(
        pk=1,
        defaults={
            "offers_iv_infusion": True,
            "monitoring_after_session": "You stay with us for at least an hour.",
            "visit_length": "A visit takes about two hours.",
            "eating_drinking_rule": "Do not eat for six hours before.",
            "consultation_cost": "The first consultation is free.",
            "out_of_hours": "Call 988 or 911.",
            "physician_specialty": "Anesthesiology.",
            "physician_board_certification": "The board.",
        },
    )
    (warning,) = check_clinic_facts()
    assert warning.id == "clinic.W004"
    assert "The Spanish pages show these in English" in warning.msg
    assert "how long patients stay after a session" in warning.msg

    ClinicFacts.objects.update(
        monitoring_after_session_es="Se queda con nosotros al menos una hora.",
        visit_length_es="Una visita dura unas dos horas.",
        eating_drinking_rule_es="No coma durante las seis horas anteriores.",
        consultation_cost_es="La primera consulta es gratuita.",
        out_of_hours_es="Llame al 988 o al 911.",
        physician_specialty_es="Anestesiología.",
        physician_board_certification_es="La junta.",
    )
    assert check_clinic_facts() == []


def test_an_office_promise_without_its_spanish_version_is_named_in_a_warning(clinic_locations):
    from pages.checks import check_clinic_facts

    Location.objects.filter(slug="milford").update(response_promise="within one business day")

    (untranslated,) = [w for w in check_clinic_facts() if w.id == "clinic.W004"]
    assert "the Milford office's response promise" in untranslated.msg

    Location.objects.filter(slug="milford").update(response_promise_es="en un día hábil")
    assert [w for w in check_clinic_facts() if w.id == "clinic.W004"] == []

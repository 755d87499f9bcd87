"""The Spanish site: /es/ pages, a request sent in Spanish, and what staff and emails do with it.

Spanish wording is looked up in the catalogue rather than copied here, so
these tests say where Spanish must appear, and test_translations.py says
that every string has its translation.
"""

import datetime
import re

import pytest
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from booking import services
from booking.manage_links import manage_token
from booking.models import Booking, Location, OpeningHours, hours_lines
from pages.content import PUBLIC_URL_NAMES
from pages.models import ClinicFacts
from pages.services import clinic_facts_save, page_review_save
from tests.booking.test_notifications import PRIVATE_VALUES, assert_no_private_data, run_worker
from tests.booking.test_self_scheduling import book_days_ahead, open_milford_every_day
from tests.factories import make_booking, make_staff, valid_booking_data
from tests.pages.factories import make_page_review

SITE = "https://www.example-clinic.test"


def spanish(message: str) -> str:
    """The Spanish for an English string of ours; never the English itself."""
    with translation.override("es"):
        translated = translation.gettext(message)
    assert translated != message, f"no Spanish for {message!r}"
    return translated


def url_in(language: str, name: str, *args) -> str:
    with translation.override(language):
        return reverse(name, args=args)


@pytest.fixture
def public_site(settings):
    settings.SITE_URL = SITE


def record_review(**fields) -> None:
    # As the admin does: through the service, which refreshes the cached pages.
    review = make_page_review(**fields)
    page_review_save(review=review)


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


# --- Pages --------------------------------------------------------------------------


@pytest.mark.django_db
def test_english_stays_at_todays_urls_and_spanish_lives_under_es(client, clinic_locations):
    english = client.get("/ketamine/risks-and-safety/")
    spanish_page = client.get("/es/ketamina/riesgos-y-seguridad/")

    assert english.status_code == spanish_page.status_code == 200
    assert html_lang(english) == "en" and english["Content-Language"] == "en"
    assert html_lang(spanish_page) == "es" and spanish_page["Content-Language"] == "es"
    assert spanish("Risks and safety") in spanish_page.content.decode()
    assert "Risks and safety" not in spanish_page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC_URL_NAMES)
def test_every_public_page_names_its_twin_and_links_to_it(
    client, clinic_locations, public_site, name
):
    en, es = url_in("en", name), url_in("es", name)

    for here, there, other in [(en, es, "es"), (es, en, "en")]:
        html = client.get(here).content.decode()
        assert f'<link rel="alternate" hreflang="en" href="{SITE}{en}">' in html
        assert f'<link rel="alternate" hreflang="es" href="{SITE}{es}">' in html
        assert f'<link rel="alternate" hreflang="x-default" href="{SITE}{en}">' in html
        switcher = re.search(r'<ul class="site-languages"[^>]*>(.*?)</ul>', html, re.S).group(1)
        assert f'<a href="{there}" hreflang="{other}" lang="{other}">' in switcher
        assert switcher.count("<a ") == 1


@pytest.mark.parametrize("name", PUBLIC_URL_NAMES)
def test_spanish_pages_have_plain_spanish_addresses(name):
    english, spanish_path = url_in("en", name), url_in("es", name)

    # Lower-case letters without accents, digits and hyphens: easy to read out and type.
    assert re.fullmatch(r"/es/(?:[a-z0-9]+(?:-[a-z0-9]+)*/)*", spanish_path)
    if name not in ("pages:home", "pages:crisis"):  # "crisis" is the same word
        assert spanish_path != "/es" + english


def test_a_spanish_request_goes_through_spanish_addresses():
    assert url_in("es", "booking:create") == "/es/solicitar-consulta/"
    assert url_in("es", "booking:done") == "/es/solicitar-consulta/enviada/"
    assert url_in("es", "booking:pick") == "/es/solicitar-consulta/hora/"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["pages:risks", "pages:crisis", "pages:physician"])
def test_citations_stay_english_and_say_so_for_screen_readers(client, clinic_locations, name):
    html = client.get(url_in("es", name)).content.decode()

    # Titles stay as published, so readers can find the sources.
    assert re.search(r'<(ol|ul) class="sources" lang="en">', html)


@pytest.mark.django_db
def test_the_browsers_language_never_moves_anyone(client, clinic_locations):
    response = client.get("/", headers={"accept-language": "es-US,es;q=0.9"})
    cached = client.get("/", headers={"accept-language": "es-US,es;q=0.9"})

    assert response.status_code == cached.status_code == 200
    assert html_lang(response) == html_lang(cached) == "en"
    assert "Accept-Language" not in response.get("Vary", "")


@pytest.mark.django_db
def test_cached_english_and_spanish_pages_are_kept_apart(client, clinic_locations):
    for _ in range(2):
        assert html_lang(client.get("/es/ketamina/")) == "es"
        assert html_lang(client.get("/ketamine/")) == "en"


@pytest.mark.django_db
def test_the_admin_stays_english_for_a_spanish_browser(client):
    response = client.get(reverse("admin:login"), headers={"accept-language": "es"})

    assert html_lang(response) == "en"


@pytest.mark.django_db
def test_a_page_not_found_under_es_is_in_spanish_and_links_to_the_english_home(
    client, clinic_locations
):
    response = client.get("/es/no-existe/")

    assert response.status_code == 404
    assert html_lang(response) == "es"
    assert spanish("We could not find that page") in response.content.decode()
    assert '<a href="/" hreflang="en" lang="en">' in response.content.decode()


@pytest.mark.django_db(transaction=True)  # the service refreshes pages on commit
def test_a_spanish_page_says_its_review_is_pending_until_its_own_review_is_recorded(
    client, clinic_locations
):
    record_review(page="risks", language="en", reviewer_name="Dr. Ada Reviewer")

    english = client.get("/ketamine/risks-and-safety/").content.decode()
    pending = client.get("/es/ketamina/riesgos-y-seguridad/").content.decode()

    assert "by Dr. Ada Reviewer" in english
    assert spanish("Clinical review pending.") in pending
    assert "Dr. Ada Reviewer" not in pending

    record_review(
        page="risks",
        language="es",
        reviewer_name="Dra. Lucía Revisora",
        reviewer_credentials="MD, psiquiatra",
        last_reviewed=datetime.date(2026, 11, 3),
    )
    reviewed = client.get("/es/ketamina/riesgos-y-seguridad/").content.decode()
    assert spanish("Last reviewed:") in reviewed
    assert "3 de noviembre de 2026" in reviewed
    assert "Dra. Lucía Revisora, MD, psiquiatra" in reviewed
    assert spanish("Clinical review pending.") not in reviewed


@pytest.mark.django_db
def test_the_crisis_page_says_how_to_get_988_in_spanish_with_its_source(client, clinic_locations):
    html = client.get("/es/crisis/").content.decode()

    assert spanish("Help in Spanish") in html
    assert "AYUDA" in html and "2" in html
    assert "988lifeline.org/get-help/what-to-expect" in html
    assert 'href="tel:988"' in html and 'href="tel:911"' in html


@pytest.mark.django_db(transaction=True)  # the service refreshes pages on commit
def test_spanish_pages_show_a_clinic_fact_in_spanish_once_staff_enter_it(client, clinic_locations):
    ClinicFacts.objects.update_or_create(
        pk=1, defaults={"eating_drinking_rule": "Do not eat for six hours before a session."}
    )
    page = "/es/ketamina/el-dia-de-la-sesion/"

    assert "Do not eat for six hours" in client.get(page).content.decode()

    facts = ClinicFacts.objects.get(pk=1)
    facts.eating_drinking_rule_es = "No coma nada durante las seis horas anteriores a la sesión."
    clinic_facts_save(facts=facts)
    html = client.get(page).content.decode()
    assert "No coma nada durante las seis horas" in html
    assert "Do not eat" not in html
    assert "Do not eat" in client.get("/ketamine/the-day-of-a-session/").content.decode()


@pytest.mark.django_db
def test_opening_hours_read_naturally_in_spanish(clinic_locations):
    milford = Location.objects.get(slug="milford")
    for day in range(5):
        OpeningHours.objects.create(
            location=milford, weekday=day, opens=datetime.time(9), closes=datetime.time(17)
        )

    with translation.override("es"):
        lines = hours_lines(milford.weekly_hours)

    assert lines == ["lun–vie: 9:00 a.m. – 5:00 p.m.", "sáb–dom: cerrado"]
    assert hours_lines(milford.weekly_hours)[0] == "Mon–Fri: 9:00 AM – 5:00 PM"


# --- A request in Spanish -------------------------------------------------------------

# The worker runs in its own transactions, as in production.
spanish_request = pytest.mark.django_db(transaction=True)


@spanish_request
def test_a_request_from_the_spanish_form_is_stored_as_spanish_and_confirmed_in_spanish(
    client, clinic_locations, public_site
):
    Location.objects.filter(slug="milford").update(notification_email="milford@clinic.test")
    form = client.get(url_in("es", "booking:create"))
    assert spanish("Send request") in form.content.decode()

    response = client.post(url_in("es", "booking:create"), valid_booking_data(), follow=True)

    booking = Booking.objects.get()
    assert booking.language == "es"
    assert response.redirect_chain[-1][0] == url_in("es", "booking:done")
    assert html_lang(response) == "es"
    assert spanish("We have received your request") in response.content.decode()
    assert booking.reference in response.content.decode()

    run_worker()
    (patient,) = [m for m in mail.outbox if m.to == ["jordan@example.com"]]
    (front_desk,) = [m for m in mail.outbox if m.to == ["milford@clinic.test"]]
    with translation.override("es"):
        subject = translation.gettext("We received your consultation request (%(reference)s)")
    assert patient.subject == subject % {"reference": booking.reference}
    assert (
        spanish(
            "Thank you for contacting the Ketamine Center of Connecticut. We have received "
            "your request for a consultation."
        )
        in patient.body
    )
    assert "AYUDA" in patient.body and "911" in patient.body
    assert "232 Boston Post Rd, Suite 13" in patient.body
    assert patient.body.rstrip().endswith(f"\n{SITE}/es/")  # the site, in Spanish
    assert_no_private_data(patient)
    assert "depresi" not in patient.body.lower()
    # The front desk reads English, and learns which language to call back in.
    assert front_desk.subject.startswith("New consultation request")


@spanish_request
def test_a_request_from_the_english_form_is_stored_as_english(client, clinic_locations):
    client.post(reverse("booking:create"), valid_booking_data())

    assert Booking.objects.get().language == "en"


@spanish_request
def test_a_spanish_patients_appointment_email_link_and_calendar_are_in_spanish(clinic_locations):
    desk = make_staff()
    booking = make_booking(language="es")
    run_worker()
    mail.outbox.clear()
    booking = services.booking_mark_contacted(booking=booking, by=desk)
    when = timezone.make_aware(datetime.datetime(2026, 12, 15, 10, 30))
    services.booking_change_status(
        booking=booking, to_status="scheduled", by=desk, scheduled_for=when, meeting="in_person"
    )
    run_worker()

    (message,) = mail.outbox
    assert "martes 15 de diciembre" in message.subject
    assert "martes 15 de diciembre de 2026" in message.body
    assert "10:30 a.m." in message.body
    assert spanish("Your appointment is booked.") in message.body
    (name, ics, _mimetype) = message.attachments[0]
    assert name == "cita.ics"
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    with translation.override("es"):
        summary = translation.gettext("Appointment — %(location)s office")
    assert str(event["SUMMARY"]) == summary % {"location": "Milford"}
    assert summary != "Appointment — %(location)s office"
    for value in PRIVATE_VALUES:
        assert value not in message.subject + message.body


@spanish_request
def test_a_spanish_patients_manage_link_is_a_spanish_address_that_opens_in_spanish(
    clinic_locations, public_site
):
    open_milford_every_day()
    booking = make_booking(language="es")
    appointment = book_days_ahead(booking)
    run_worker()

    (message,) = [m for m in mail.outbox if m.to == [booking.email]][-1:]
    link = re.search(rf"{re.escape(SITE)}(/es/\S+)", message.body).group(1)
    assert link == url_in("es", "booking:manage", manage_token(appointment))
    assert link.startswith("/es/solicitar-consulta/cita/")
    page = Client().get(link)
    assert page.status_code == 200
    assert html_lang(page) == "es"
    assert spanish("Pick another time") in page.content.decode()
    calendar = Client().get(url_in("es", "booking:manage_calendar", manage_token(appointment)))
    assert calendar["Content-Disposition"] == 'attachment; filename="cita.ics"'
    assert f'href="{url_in("es", "booking:manage_cancel", manage_token(appointment))}"' in (
        page.content.decode()
    )


@pytest.mark.django_db
def test_staff_see_which_language_to_call_back_in(clinic_locations):
    desk_client = Client()
    desk_client.force_login(make_staff())
    english = make_booking()
    booking = make_booking(language="es", email="ana@example.com")

    console = desk_client.get(reverse("admin:booking_booking_change", args=[booking.pk]))
    listing = desk_client.get(reverse("admin:booking_booking_changelist"))
    filtered = desk_client.get(reverse("admin:booking_booking_changelist") + "?language__exact=es")

    assert "call back and write in Spanish" in console.content.decode()
    assert '<strong class="language-flag">Spanish</strong>' in listing.content.decode()
    assert [b.pk for b in filtered.context["cl"].result_list] == [booking.pk]
    assert english.pk not in [b.pk for b in filtered.context["cl"].result_list]


@pytest.mark.django_db
def test_the_database_refuses_a_language_the_site_does_not_offer(clinic_locations):
    booking = make_booking()

    with pytest.raises(IntegrityError):
        Booking.objects.filter(pk=booking.pk).update(language="fr")


@pytest.mark.django_db
def test_a_form_sent_after_its_security_check_expired_is_explained_in_spanish(clinic_locations):
    client = Client(enforce_csrf_checks=True)

    response = client.post(url_in("es", "booking:create"), valid_booking_data())

    assert response.status_code == 403
    assert html_lang(response) == "es"
    assert spanish("Your form could not be sent") in response.content.decode()
    assert 'href="tel:988"' in response.content.decode()


@pytest.mark.django_db
def test_search_engines_are_told_a_spanish_health_page_is_in_spanish(client, clinic_locations):
    html = client.get(url_in("es", "pages:risks")).content.decode()

    assert '"inLanguage": "es-US"' in html
    assert f'"name": "{spanish("Risks and safety")}"' in html

"""What the clinic does is staff-entered data: blank until entered, then shown."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pages import services
from pages.models import ClinicFacts
from pages.selectors import clinic_facts
from tests.pages.text import main_text

pytestmark = pytest.mark.django_db

TEXT_FACTS = [
    "monitoring_after_session",
    "visit_length",
    "eating_drinking_rule",
    "consultation_cost",
    "out_of_hours",
    "physician_specialty",
    "physician_board_certification",
]


def enter_facts(**values) -> ClinicFacts:
    facts = ClinicFacts.objects.get()
    for name, value in values.items():
        setattr(facts, name, value)
    return services.clinic_facts_save(facts=facts)


def text_of(client, name: str) -> str:
    return " ".join(main_text(client.get(reverse(name)).content.decode()).split())


def test_the_data_migration_leaves_one_blank_row():
    facts = ClinicFacts.objects.get()

    assert facts.pk == 1
    assert not facts.methods_known
    assert all(getattr(facts, name) == "" for name in TEXT_FACTS)


def test_there_can_only_be_one_set_of_facts():
    with pytest.raises(IntegrityError):
        ClinicFacts.objects.create()


def test_the_selector_reads_the_row_in_one_query(django_assert_num_queries):
    enter_facts(visit_length="A visit takes a while.")

    with django_assert_num_queries(1):
        facts = clinic_facts()

    assert facts.visit_length == "A visit takes a while."


def test_the_selector_gives_blank_facts_if_the_row_is_missing():
    ClinicFacts.objects.all().delete()

    facts = clinic_facts()

    assert facts.pk == 1
    assert facts.monitoring_after_session == ""


def test_a_page_reads_the_facts_once_however_often_it_uses_them(client):
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("pages:what_to_expect"))

    reads = [q for q in queries.captured_queries if '"pages_clinicfacts"' in q["sql"]]
    assert len(reads) == 1


def test_a_sentence_fact_must_read_as_a_sentence():
    facts = ClinicFacts.objects.get()
    facts.visit_length = "about two hours"

    with pytest.raises(ValidationError) as error:
        services.clinic_facts_save(facts=facts)

    assert "visit_length" in error.value.message_dict


def test_entered_text_facts_replace_the_neutral_wording(client):
    enter_facts(
        monitoring_after_session="After each session, you stay with us for a test time.",
        visit_length="A visit takes a test time in all.",
        eating_drinking_rule="Follow the test eating rule.",
        consultation_cost="The first consultation has a test price.",
        out_of_hours="Outside opening hours, follow the test plan.",
    )

    session_day = text_of(client, "pages:session_day")
    assert "After each session, you stay with us for a test time." in session_day
    assert "A visit takes a test time in all." in session_day
    assert "Follow the test eating rule." in session_day
    assert "Staff will tell you" not in session_day
    assert "After each session, you stay with us for a test time." in text_of(
        client, "pages:what_to_expect"
    )
    assert "After each session, you stay with us for a test time." in text_of(client, "pages:risks")
    assert "The first consultation has a test price." in text_of(client, "pages:cost")
    assert "The first consultation has a test price." in text_of(client, "pages:faq")
    assert "Outside opening hours, follow the test plan." in text_of(client, "pages:aftercare")


def test_blank_facts_show_neutral_wording(client):
    assert "Staff will tell you how long you will stay with us after each session." in text_of(
        client, "pages:risks"
    )
    assert "Ask us whether there is a charge for the first consultation" in text_of(
        client, "pages:cost"
    )
    assert "which of the ways on this page we offer" in text_of(client, "pages:delivery")


def test_only_the_methods_the_clinic_offers_are_described(client):
    enter_facts(offers_esketamine=True)

    expect = text_of(client, "pages:what_to_expect")
    delivery = text_of(client, "pages:delivery")

    assert "At our clinic, the physician can offer: esketamine nasal spray (Spravato)." in expect
    assert "Esketamine nasal spray." in expect
    assert "An infusion (a drip into a vein)." not in expect
    assert "A shot into a muscle." not in expect
    assert "esketamine nasal spray (Spravato)." in delivery
    assert "ketamine as an infusion into a vein (IV)" not in delivery


def test_while_no_method_is_ticked_every_method_is_described_as_a_possibility(client):
    expect = text_of(client, "pages:what_to_expect")

    assert "An infusion (a drip into a vein)." in expect
    assert "Esketamine nasal spray." in expect
    assert "A shot into a muscle." in expect
    assert "At our clinic, the physician can offer" not in expect


def test_physician_specialty_and_board_show_once_entered(client):
    enter_facts(physician_specialty="Test specialty", physician_board_certification="Test Board")

    html = client.get(reverse("pages:physician")).content.decode()

    assert "<dt>Specialty</dt><dd>Test specialty</dd>" in html
    assert "<dt>Board certification</dt><dd>Test Board</dd>" in html
    assert "We will list Dr. Ang’s medical specialty" not in html


# --- The admin ------------------------------------------------------------------


def test_the_admin_list_opens_the_one_row(admin_client):
    response = admin_client.get(reverse("admin:pages_clinicfacts_changelist"))

    assert response.status_code == 302
    assert response.url == reverse("admin:pages_clinicfacts_change", args=[1])
    assert admin_client.get(response.url).status_code == 200


def test_the_admin_cannot_add_a_second_row_or_delete_the_first(admin_client):
    assert admin_client.get(reverse("admin:pages_clinicfacts_add")).status_code == 403
    delete = reverse("admin:pages_clinicfacts_delete", args=[1])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ClinicFacts.objects.count() == 1


def test_a_fact_changed_in_the_admin_shows_on_the_cached_pages(
    client, admin_client, django_capture_on_commit_callbacks
):
    before = text_of(client, "pages:session_day")
    assert "Staff will tell you before your first session" in before

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:pages_clinicfacts_change", args=[1]),
            {
                "offers_iv_infusion": "on",
                "monitoring_after_session": "",
                "visit_length": "",
                "eating_drinking_rule": "A test rule about eating.",
                "consultation_cost": "",
                "out_of_hours": "",
                "physician_specialty": "",
                "physician_board_certification": "",
            },
        )

    assert response.status_code == 302
    after = text_of(client, "pages:session_day")
    assert "A test rule about eating." in after
    assert "Staff will tell you before your first session" not in after
    assert ClinicFacts.objects.get().offers_iv_infusion

"""Each corrected fact stays corrected, and each patient topic has its page.

A test here fails if a sentence the sources do not support comes back
(SOURCES.md entry numbers in the comments), or if a topic goes missing.
"""

import re

import pytest
from django.urls import reverse

from booking.models import Location
from tests.pages.text import main_text

pytestmark = pytest.mark.django_db


def page_html(client, name: str) -> str:
    return client.get(reverse(name)).content.decode()


def page_text(client, name: str) -> str:
    return " ".join(main_text(page_html(client, name)).split())


def section_text(client, name: str, section_id: str) -> str:
    """The reading text of one <section> of a page, by its heading's id."""
    html = page_html(client, name)
    section = html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


# --- Off-label status (entry 17; esketamine: entries 3 and 14) ---------------


@pytest.mark.parametrize("name", ["pages:home", "pages:delivery", "pages:what_to_expect"])
def test_page_says_ketamine_is_off_label_and_esketamine_is_the_approved_form(
    client, clinic_locations, name
):
    text = page_text(client, name)
    html = page_html(client, name)

    assert "Ketamine is not FDA-approved for depression." in text
    assert "“off-label” use" in text
    assert "It is the form the FDA has approved for depression" in text
    assert "at least two hours of watching after each dose" in text
    assert f'href="{reverse("pages:consent")}#off-label"' in html


# --- Infusion length: what studies did (entry 22) -----------------------------


@pytest.mark.parametrize("name", ["pages:delivery", "pages:what_to_expect"])
def test_infusion_length_is_what_studies_used_not_40_to_60_minutes(client, name):
    text = page_text(client, name)

    assert "40 to 60 minutes" not in text
    assert "0.5 mg/kg over about 40 minutes" in text


# --- "Within hours": the cited trials report a day to three days (1a, 22) ------


@pytest.mark.parametrize("name", ["pages:how_it_works", "pages:research", "pages:faq"])
def test_speed_of_relief_is_within_days_not_hours(client, name):
    text = page_text(client, name)

    assert "within hours to days" not in text
    assert "hours to days" not in text


def test_how_it_works_says_relief_came_within_a_day_or_a_few_days(client):
    text = page_text(client, "pages:how_it_works")

    assert "within a day or a few days" in text


def test_research_page_reports_the_larger_trial_on_the_first_day(client):
    text = page_text(client, "pages:research")

    assert "mostly on the first day after the drip" in text
    assert "within three days of ketamine" in text


# --- Side effects: whose list, and how long they last (entries 7, 13) --------


def test_side_effect_list_is_attributed_to_the_fda_for_esketamine(client):
    text = section_text(client, "pages:risks", "common")

    assert "When the FDA approved esketamine in 2019, it named the most common side effects" in text
    assert "Common ones include" not in text


def test_side_effect_timing_comes_from_the_esketamine_trials_not_the_review(client):
    risks = page_text(client, "pages:risks")
    expect = page_text(client, "pages:what_to_expect")

    assert "within a few hours" not in risks
    assert "within a few hours" not in expect
    assert "had gone within about an hour and a half" in risks
    assert "It is not how long you stay with us after a session." in risks


# --- The intranasal pilot's citation is unverified (entry 5) ------------------


@pytest.mark.parametrize("name", ["pages:delivery", "pages:research"])
def test_unverified_intranasal_pilot_is_no_longer_cited(client, name):
    html = page_html(client, name)

    assert "Repeated intranasal ketamine" not in html
    assert "0269881118760660" not in html
    assert "twice as much in their blood" not in html


# --- Esketamine today: approved on its own too (entry 14) ---------------------


@pytest.mark.parametrize("name", ["pages:delivery", "pages:research"])
def test_esketamine_is_no_longer_described_as_only_an_add_on(client, name):
    text = page_text(client, name)

    assert "to be used with an antidepressant taken by mouth" not in text
    assert "In January 2025, the FDA also approved it" in text


def test_delivery_page_dates_the_monotherapy_approval_by_the_announcement(client):
    text = page_text(client, "pages:delivery")

    assert "Its maker announced this on January 21, 2025." in text


# --- Wording (entries 2, 10, 17) ---------------------------------------------


def test_an_anesthetic_is_described_as_deep_sleep_not_pain_relief(client):
    text = page_text(client, "pages:how_it_works")

    assert "stops you feeling pain" not in text
    assert "An anesthetic puts people into a deep sleep for surgery" in text


def test_suicidal_thoughts_finding_is_stated_as_the_meta_analysis_put_it(client):
    text = page_text(client, "pages:research")

    assert "It was not just a side effect of better mood" not in text
    assert "not fully explained by the general lift in mood" in text


@pytest.mark.parametrize("name", ["pages:research", "pages:eligibility"])
def test_consensus_statement_is_credited_to_the_apa_research_task_force(client, name):
    text = page_text(client, name)

    assert "research task force of the American Psychiatric Association" in text
    assert "Expert advice on ketamine" not in text


# --- Monitoring is a clinic fact (entries 3, 13) ------------------------------


def test_what_to_expect_does_not_imply_the_clinic_monitors_for_two_hours(client):
    text = section_text(client, "pages:what_to_expect", "going-home")

    assert "two hours" not in text
    assert "Staff will tell you how long you will stay with us after each session." in text


# --- Medical history belongs in the consultation, not the web form -----------


@pytest.mark.parametrize(
    ("name", "section_id"),
    [("pages:risks", "misuse"), ("pages:risks", "bladder"), ("pages:eligibility", "closer-look")],
)
def test_please_tell_us_means_at_the_consultation_not_in_the_online_form(client, name, section_id):
    text = section_text(client, name, section_id)

    assert "at your consultation, not in the online form" in text


# --- Eligibility: label contraindications apart from cautions (12, 15, 16, 20) -


def test_label_contraindications_are_listed_as_ruling_treatment_out(client):
    text = section_text(client, "pages:eligibility", "ruled-out")

    assert "must not be used" in text
    for condition in [
        "aneurysm",
        "arteriovenous malformation",
        "ever had bleeding inside the brain",
        "an allergy to ketamine or esketamine",
    ]:
        assert condition in text
    assert "psychosis" not in text
    assert "pregnan" not in text


def test_cautions_are_listed_apart_as_needing_a_closer_look(client):
    text = section_text(client, "pages:eligibility", "closer-look")

    for caution in [
        "high blood pressure",
        "heart disease",
        "psychosis",
        "mania",
        "alcohol or drugs",
    ]:
        assert caution in text
    assert "do not always rule you out" in text


def test_pregnancy_is_stated_as_not_recommended_not_as_ruled_out(client):
    text = section_text(client, "pages:eligibility", "pregnancy")

    assert "not recommended in pregnancy" in text
    assert "contraindicat" not in text


def test_medicines_that_matter_are_named_and_lamotrigine_is_not(client):
    text = section_text(client, "pages:eligibility", "medicines")
    whole_page = page_text(client, "pages:eligibility")

    for medicine in ["benzodiazepines", "opioid", "alcohol", "MAOIs", "Stimulants"]:
        assert medicine in text
    assert "higher doses of benzodiazepines may weaken" in text
    assert "Do not stop or cut down any medicine on your own." in text
    assert "lamotrigine" not in whole_page.lower()


def test_bipolar_disorder_has_its_own_section(client):
    text = section_text(client, "pages:eligibility", "bipolar")

    assert "Esketamine is not approved for depression in bipolar disorder." in text
    assert "One person had symptoms of mania after ketamine, and one after the placebo." in text


# --- Board certification is a clinic fact ------------------------------------


@pytest.mark.parametrize("name", ["pages:home", "pages:faq", "pages:physician"])
def test_board_certification_is_not_claimed_until_staff_enter_it(client, clinic_locations, name):
    assert "board-certified" not in page_html(client, name)


# --- New topics ----------------------------------------------------------------


def test_aftercare_says_honestly_how_to_reach_us_while_no_phone_is_listed(client, clinic_locations):
    text = section_text(client, "pages:aftercare", "contact")

    assert "Our phone numbers are not on this website yet." in text
    assert "tel:+" not in page_html(client, "pages:aftercare")


def test_aftercare_shows_the_office_phone_and_hours_once_entered(client, clinic_locations):
    from booking import services

    milford = Location.objects.get(slug="milford")
    milford.phone = "+12035550142"
    services.location_save(location=milford)

    html = page_html(client, "pages:aftercare")

    assert 'href="tel:+12035550142"' in html
    assert "Our phone numbers are not on this website yet." not in html


def test_aftercare_covers_closed_offices_falling_mood_and_emergencies(client):
    text = page_text(client, "pages:aftercare")
    html = page_html(client, "pages:aftercare")

    assert "Staff will tell you what to do if you need us when our offices are closed." in text
    assert "Do not wait for your next session to tell us" in text
    assert "call or text 988" in text
    assert "Call 911 straight away" in text
    assert 'id="mood-drops"' in html


def test_consent_page_covers_off_label_consent_stopping_and_concerns(client, clinic_locations):
    html = page_html(client, "pages:consent")
    text = page_text(client, "pages:consent")

    for anchor in ["off-label", "informed-consent", "stopping", "concerns"]:
        assert f'id="{anchor}"' in html
    assert "It has not approved ketamine for depression" in text
    assert "You can stop ketamine treatment at any time. You do not have to give a reason." in text
    # No invented complaints officer or number: only the offices' own details.
    assert "complaints officer" not in text.lower()


def test_session_day_covers_eating_driving_bringing_and_time(client):
    text = page_text(client, "pages:session_day")

    assert "Staff will tell you before your first session what you may eat and drink" in text
    assert "until the next day, after a night’s sleep" in text
    assert "You need an adult to take you home." in text
    assert "a list of your medicines" in text
    assert "Staff will tell you how long a visit usually takes" in text


def test_cost_page_names_no_price_and_offers_a_written_estimate(client, clinic_locations):
    text = page_text(client, "pages:cost")

    assert "$" not in text
    assert "Ask us whether there is a charge for the first consultation" in text
    assert "Aetna calls ketamine for depression experimental" in text
    assert "Blue Cross Blue Shield of North Dakota covers esketamine" in text
    assert "These are only examples." in text
    assert "written estimate" in text


def test_other_options_page_describes_each_option_without_ranking(client):
    html = page_html(client, "pages:other_options")
    text = page_text(client, "pages:other_options")

    for anchor in ["medicines", "therapy", "esketamine", "tms", "ect"]:
        assert f'id="{anchor}"' in html
    assert "in no order of preference" in text
    for ranking in ["most effective", "best option", "first choice", "gold standard"]:
        assert ranking not in text.lower()


def test_longer_term_page_covers_keeping_a_benefit_and_when_it_does_not_help(client):
    text = page_text(client, "pages:longer_term")

    assert "research has not settled how to keep a benefit going" in text
    assert "has not been well studied" in text
    assert "If ketamine is not helping you, we will tell you honestly." in text


def test_physician_page_explains_supervision_in_general_terms(client):
    text = page_text(client, "pages:physician")

    assert "What “supervised” means" in text
    assert "ask who will be with you during your sessions" in text
    assert "We will list Dr. Ang’s medical specialty and board certification here" in text

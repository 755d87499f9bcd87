"""The triage console, through the test client, as front desk and manager."""

import csv
import datetime
import io

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from booking import services
from booking.models import (
    Booking,
    BookingAccess,
    BookingExport,
    ClinicClosure,
    Location,
)
from tests.factories import location_form_data, make_booking, make_manager

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:booking_booking_changelist"
SOON = timezone.now() + datetime.timedelta(days=3)


def change_url(booking: Booking) -> str:
    return reverse("admin:booking_booking_change", args=[booking.pk])


def close(booking: Booking, by) -> Booking:
    return services.booking_close(
        booking=booking, by=by, outcome="referred", reason="Closer to home"
    )


def westport() -> Location:
    return Location.objects.get(slug="westport")


def listed(response) -> list[str]:
    return [booking.reference for booking in response.context["cl"].result_list]


# --- Every admin page we register opens -------------------------------------


@pytest.mark.parametrize(
    "model_admin", list(admin.site._registry.values()), ids=lambda m: m.opts.label
)
def test_every_registered_admin_list_and_add_page_opens(admin_client, model_admin):
    info = (model_admin.opts.app_label, model_admin.opts.model_name)
    # A one-row model's list may lead straight to that row.
    listing = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)), follow=True)
    assert listing.status_code == 200
    add = admin_client.get(reverse("admin:{}_{}_add".format(*info)))
    expected = 200 if model_admin.has_add_permission(add.wsgi_request) else 403
    assert add.status_code == expected


def test_admin_index_and_request_pages_are_never_stored_and_carry_the_csp(admin_client):
    booking = make_booking()
    for url in [reverse("admin:index"), reverse(CHANGELIST), change_url(booking)]:
        response = admin_client.get(url)
        assert "no-store" in response.headers["Cache-Control"]
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        assert " style=" not in response.content.decode()


# --- The list ---------------------------------------------------------------------


def test_list_shows_open_requests_urgent_first_then_oldest(desk_client):
    old = make_booking()
    newer = make_booking()
    urgent = make_booking(urgent=True)
    close(make_booking(), make_manager())
    Booking.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(1))

    response = desk_client.get(reverse(CHANGELIST))

    assert listed(response) == [urgent.reference, old.reference, newer.reference]


def test_urgent_requests_are_marked_in_words_in_the_list(desk_client):
    make_booking()
    make_booking(urgent=True)

    html = desk_client.get(reverse(CHANGELIST)).content.decode()

    assert html.count('<strong class="urgent-flag">Urgent</strong>') == 1


def test_an_urgent_request_stops_being_urgent_once_the_patient_is_reached(desk_client, desk):
    reached = make_booking(urgent=True)
    waiting = make_booking(urgent=True)
    calm = make_booking()
    Booking.objects.filter(pk=reached.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )
    Booking.objects.filter(pk=calm.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )
    services.contact_attempt_log(booking=reached, by=desk, channel="phone", outcome="reached")

    response = desk_client.get(reverse(CHANGELIST))

    # The one still waiting for a call is on top; the reached one sorts by age.
    assert listed(response) == [waiting.reference, reached.reference, calm.reference]
    html = response.content.decode()
    assert html.count('<strong class="urgent-flag">Urgent</strong>') == 1
    assert html.count('class="urgent-reached">urgent, reached<') == 1
    (row,) = response.context["location_summary"]
    assert row["urgent"] == 1
    handled = desk_client.get(reverse(CHANGELIST), {"urgency": "reached"})
    assert listed(handled) == [reached.reference]


def test_list_columns_show_age_screening_hint_and_overdue(desk_client, settings):
    settings.BOOKING_OVERDUE_BUSINESS_HOURS = 4
    meets = make_booking()
    review = make_booking(antidepressants=Booking.Antidepressants.ONE)
    Booking.objects.filter(pk=meets.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=5)
    )

    html = desk_client.get(reverse(CHANGELIST)).content.decode()

    assert "meets stated criteria" in html and "needs review" in html
    assert html.count('class="triage-overdue">Overdue') == 1
    assert "5\xa0days ago" in html
    row = html[html.index(review.reference) :]
    assert "Overdue" not in row[: row.index("</tr>")]


def test_summary_counts_new_urgent_overdue_and_scheduled_this_week(desk_client, desk):
    make_booking(urgent=True)
    overdue = make_booking()
    Booking.objects.filter(pk=overdue.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=7)
    )
    scheduled = services.booking_mark_contacted(booking=make_booking(), by=desk)
    services.booking_change_status(
        booking=scheduled,
        to_status="scheduled",
        by=desk,
        scheduled_for=timezone.now() + datetime.timedelta(minutes=5),
        meeting="phone",
    )

    response = desk_client.get(reverse(CHANGELIST))
    (row,) = response.context["location_summary"]

    assert row == {
        "location_id": Location.objects.get(slug="milford").pk,
        "location__name": "Milford",
        "new": 2,
        "urgent": 1,
        "overdue": 1,
        "scheduled_this_week": 1,
    }
    # Each number opens the list it counts.
    html = response.content.decode()
    office = row["location_id"]
    for query in ["status=new", "urgency=unreached", "overdue=yes"]:
        assert f'href="?location={office}&amp;{query}"' in html
    overdue_list = desk_client.get(reverse(CHANGELIST), {"overdue": "yes"})
    assert listed(overdue_list) == [overdue.reference]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "closed"}, ["closed"]),
        ({"status": "all"}, ["new", "urgent", "closed", "mine"]),
        ({"urgency": "unreached"}, ["urgent"]),
        ({"urgency": "no", "status": "all"}, ["new", "closed", "mine"]),
        ({"assigned": "me"}, ["mine"]),
        ({"assigned": "nobody"}, ["new", "urgent"]),
    ],
)
def test_filters(desk_client, desk, query, expected):
    bookings = {
        "new": make_booking(),
        "urgent": make_booking(urgent=True),
        "closed": make_booking(),
        "mine": make_booking(),
    }
    close(bookings["closed"], desk)
    services.booking_assign(booking=bookings["mine"], to=desk, by=desk)
    if query.get("assigned") == "me":
        expected_refs = {bookings["mine"].reference}
    else:
        expected_refs = {bookings[name].reference for name in expected}

    response = desk_client.get(reverse(CHANGELIST), query)

    assert set(listed(response)) == expected_refs


def test_location_filter_offers_only_my_locations(manager_client, desk_client):
    make_booking(location=westport())

    response = desk_client.get(reverse(CHANGELIST))
    location_filter = next(f for f in response.context["cl"].filter_specs if f.title == "location")

    assert [title for _, title in location_filter.lookup_choices] == ["Milford"]


@pytest.mark.parametrize(
    "term", ["KC-", "Alexandra", "Quinones", "alex.q@example.com", "2035550987"]
)
def test_search_by_reference_name_email_and_phone(desk_client, term):
    wanted = make_booking(
        first_name="Alexandra",
        last_name="Quinones",
        email="alex.q@example.com",
        phone="+12035550987",
    )
    make_booking(first_name="Sam", email="sam@example.com", phone="+12035550111")
    if term == "KC-":
        term = wanted.reference

    response = desk_client.get(reverse(CHANGELIST), {"q": term})

    assert listed(response) == [wanted.reference]


def test_list_query_count_is_the_same_for_10_and_500_rows(
    desk_client, desk, django_assert_num_queries
):
    def fill(count):
        for _ in range(count - Booking.objects.count()):
            booking = make_booking()
            services.booking_assign(booking=booking, to=desk, by=desk)

    fill(10)
    with CaptureQueriesContext(connection) as ten:
        assert len(listed(desk_client.get(reverse(CHANGELIST)))) == 10
    fill(500)

    with django_assert_num_queries(len(ten.captured_queries)):
        assert len(listed(desk_client.get(reverse(CHANGELIST)))) == 100


# --- Working a request ------------------------------------------------------------------


def test_opening_a_request_is_logged(desk_client, desk):
    booking = make_booking()

    assert desk_client.get(change_url(booking)).status_code == 200

    access = BookingAccess.objects.get()
    assert (access.user, access.booking) == (desk, booking)


def test_the_history_page_is_the_requests_timeline(desk_client, desk):
    booking = make_booking()

    response = desk_client.get(reverse("admin:booking_booking_history", args=[booking.pk]))

    assert response.status_code == 302
    assert response.url == change_url(booking) + "#timeline"


def test_nothing_a_patient_entered_can_be_changed_through_the_page(desk_client):
    booking = make_booking()

    response = desk_client.post(change_url(booking), {"first_name": "Changed"})

    assert response.status_code == 405
    booking.refresh_from_db()
    assert booking.first_name == "Jordan"


def test_actions_assign_to_me_and_report_forbidden_transitions(desk_client, desk):
    fresh = make_booking()
    closed = close(make_booking(), desk)

    desk_client.post(
        reverse(CHANGELIST) + "?status=all",
        {"action": "assign_to_me", ACTION_CHECKBOX_NAME: [fresh.pk, closed.pk]},
    )
    response = desk_client.post(
        reverse(CHANGELIST) + "?status=all",
        {"action": "mark_contacted", ACTION_CHECKBOX_NAME: [fresh.pk, closed.pk]},
        follow=True,
    )

    fresh.refresh_from_db()
    assert fresh.assigned_to == desk
    assert fresh.status == "contacted"
    shown = [str(m) for m in response.context["messages"]]
    assert (
        f"{closed.reference} is already closed (Referred elsewhere); it cannot change any more."
        in (shown)
    )
    assert "Marked 1 request(s) as contacted." in shown


# --- Scope ---------------------------------------------------------------------------


def test_front_desk_cannot_see_or_act_on_another_locations_request(desk_client):
    mine = make_booking()
    theirs = make_booking(location=westport())

    assert listed(desk_client.get(reverse(CHANGELIST))) == [mine.reference]
    assert desk_client.get(change_url(theirs)).status_code == 404
    history = reverse("admin:booking_booking_history", args=[theirs.pk])
    assert desk_client.get(history).status_code == 404
    action = reverse("admin:booking_booking_action", args=[theirs.pk, "attempt"])
    assert desk_client.post(action, {"attempt-outcome": "reached"}).status_code == 404
    response = desk_client.post(
        reverse(CHANGELIST), {"action": "mark_contacted", ACTION_CHECKBOX_NAME: [theirs.pk]}
    )
    assert response.status_code == 404
    response = desk_client.get(reverse(CHANGELIST), {"q": theirs.reference})
    assert listed(response) == []
    theirs.refresh_from_db()
    assert theirs.status == "new"
    assert not theirs.contact_attempts.exists()
    # Each refused try is on the record, as its own kind.
    kinds = set(BookingAccess.objects.filter(booking=theirs).values_list("kind", flat=True))
    assert kinds == {"refused"}
    assert BookingAccess.objects.filter(booking=theirs).count() == 4


def test_manager_sees_every_location(manager_client):
    make_booking()
    make_booking(location=westport())

    assert len(listed(manager_client.get(reverse(CHANGELIST)))) == 2


def test_nobody_can_delete_a_request(admin_client, desk_client):
    booking = make_booking()
    delete = reverse("admin:booking_booking_delete", args=[booking.pk])

    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert desk_client.post(delete, {"post": "yes"}).status_code == 403
    action_form = admin_client.get(reverse(CHANGELIST)).context["action_form"]
    assert "delete_selected" not in dict(action_form.fields["action"].choices)
    assert Booking.objects.filter(pk=booking.pk).exists()


# --- Export and audit logs -------------------------------------------------------------


def test_front_desk_cannot_export(desk_client):
    response = desk_client.get(reverse("admin:booking_booking_export"))

    assert response.status_code == 403
    assert not BookingExport.objects.exists()
    assert b"Export this list as CSV" not in desk_client.get(reverse(CHANGELIST)).content


def test_manager_exports_the_filtered_list_and_the_export_is_logged(manager_client, manager):
    urgent = make_booking(urgent=True, location=westport())
    make_booking()
    make_booking(urgent=True, first_name="Sam", email="sam@example.com")

    response = manager_client.get(
        reverse("admin:booking_booking_export"), {"urgency": "unreached", "q": "Jordan"}
    )

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["reference"] for row in rows] == [urgent.reference]
    assert rows[0]["location"] == "Westport"
    assert rows[0]["language"] == "English"
    assert (rows[0]["requested_mode"], rows[0]["booked_mode"]) == ("In person at the office", "")
    assert "Jordan" not in response.content.decode()
    export = BookingExport.objects.get()
    # Which filters were used, never the words searched for.
    assert (export.user, export.row_count) == (manager, 1)
    assert export.filters == "urgency=unreached&search=used"


def test_access_log_is_read_only_for_managers_and_hidden_from_front_desk(
    manager_client, manager, client, desk, admin_client
):
    booking = make_booking()
    services.booking_access_record(booking=booking, user=manager)
    access = BookingAccess.objects.get()
    log = reverse("admin:booking_bookingaccess_changelist")

    assert manager_client.get(log).status_code == 200
    change = reverse("admin:booking_bookingaccess_change", args=[access.pk])
    delete = reverse("admin:booking_bookingaccess_delete", args=[access.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    admin_client.post(change, {"user": desk.pk, "booking": booking.pk})
    access.refresh_from_db()
    assert access.user == manager
    client.force_login(desk)
    assert client.get(log).status_code == 403
    assert client.get(reverse("admin:booking_bookingexport_changelist")).status_code == 403


def test_admin_pages_name_the_site_icon_so_browsers_do_not_ask_for_favicon_ico(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()

    assert 'rel="icon" href="/static/img/favicon.svg"' in html


# --- Days the offices are closed ----------------------------------------------------------


def test_manager_enters_a_closed_day_and_the_front_desk_can_only_read_the_list(manager, desk):
    manager_client, desk_client = Client(), Client()
    manager_client.force_login(manager)
    desk_client.force_login(desk)
    add = reverse("admin:booking_clinicclosure_add")

    response = manager_client.post(add, {"date": "2026-11-26", "reason": "Thanksgiving"})

    assert response.status_code == 302
    assert ClinicClosure.objects.get().reason == "Thanksgiving"
    listing = desk_client.get(reverse("admin:booking_clinicclosure_changelist"))
    assert listing.status_code == 200
    assert "Thanksgiving" in listing.content.decode()
    assert desk_client.post(add, {"date": "2026-12-25", "reason": "Christmas"}).status_code == 403
    assert ClinicClosure.objects.count() == 1


def test_the_request_list_and_its_summary_read_the_closed_days_once(manager_client):
    make_booking()

    with CaptureQueriesContext(connection) as queries:
        assert manager_client.get(reverse(CHANGELIST)).status_code == 200

    closure_reads = [q for q in queries.captured_queries if "booking_clinicclosure" in q["sql"]]
    assert len(closure_reads) == 1


# --- Offices' hours and the reading pages' data: managers keep them ------------------


def test_a_manager_enters_an_offices_opening_hours_and_the_front_desk_can_only_read_them(
    manager_client, desk_client
):
    milford = Location.objects.get(slug="milford")
    url = reverse("admin:booking_location_change", args=[milford.pk])
    page = manager_client.get(url)
    assert page.status_code == 200
    data = location_form_data(
        milford,
        phone="(203) 555-0142",
        **{
            "opening_hours-TOTAL_FORMS": "2",
            "opening_hours-0-weekday": "0",
            "opening_hours-0-opens": "09:00",
            "opening_hours-0-closes": "17:00",
            "opening_hours-1-weekday": "5",
            "opening_hours-1-opens": "10:00",
            "opening_hours-1-closes": "09:00",
        },
    )

    refused = manager_client.post(url, data)
    assert refused.status_code == 200  # Saturday closes before it opens
    assert "Closing time must be after opening time." in refused.content.decode()
    data["opening_hours-1-closes"] = "13:00"
    assert manager_client.post(url, data).status_code == 302

    assert milford.hours_lines == [
        "Mon: 9:00 AM – 5:00 PM",
        "Tue–Fri: closed",
        "Sat: 10:00 AM – 1:00 PM",
        "Sun: closed",
    ]
    assert desk_client.get(url).status_code == 200
    assert desk_client.post(url, data).status_code == 403


def test_a_manager_records_a_page_review_and_edits_the_clinic_facts(manager_client):
    assert manager_client.get(reverse("admin:pages_pagereview_add")).status_code == 200
    facts = manager_client.get(reverse("admin:pages_clinicfacts_changelist"), follow=True)
    assert facts.status_code == 200


def test_a_manager_turns_on_online_booking_for_an_office_and_overlaps_are_refused(
    manager_client, desk_client
):
    from booking.availability import offered_kinds

    milford = Location.objects.get(slug="milford")
    url = reverse("admin:booking_location_change", args=[milford.pk])
    assert "Online booking" in manager_client.get(url).text
    data = location_form_data(
        milford,
        **{
            "availability-TOTAL_FORMS": "1",
            "availability-0-is_active": "on",
            "availability-0-in_person_minutes": "60",
            "availability-0-phone_minutes": "",
            "availability-0-video_minutes": "30",
            "availability-0-buffer_minutes": "15",
            "availability-0-seats": "1",
            "availability-0-notice_days": "1",
            "availability-0-horizon_days": "21",
            "availability_windows-TOTAL_FORMS": "2",
            "availability_windows-0-weekday": "1",
            "availability_windows-0-starts": "09:00",
            "availability_windows-0-ends": "12:00",
            "availability_windows-1-weekday": "1",
            "availability_windows-1-starts": "11:00",
            "availability_windows-1-ends": "15:00",
        },
    )

    refused = manager_client.post(url, data)
    assert "Two windows on Tuesday overlap" in refused.text
    assert offered_kinds(milford) == []

    data["availability_windows-1-starts"] = "13:00"
    assert manager_client.post(url, data).status_code == 302
    assert offered_kinds(milford) == ["in_person", "video"]
    assert milford.availability_windows.count() == 2
    # The front desk reads offices but does not set their online booking.
    assert desk_client.post(url, data).status_code == 403

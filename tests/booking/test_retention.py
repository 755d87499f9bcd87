import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from booking import services
from booking.models import Booking, TriageNote
from tests.factories import make_booking, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_long_ago(clinic_locations, settings):
    settings.BOOKING_RETENTION_DAYS = 30
    desk = make_staff()
    booking = make_booking(urgent=True, message="Private health details")
    services.triage_note_add(booking=booking, author=desk, text="Spoke about medication")
    services.contact_attempt_log(
        booking=booking, by=desk, channel="phone", outcome="reached", note="Private call note"
    )
    services.booking_change_status(
        booking=booking, to_status="not_suitable", by=desk, reason="Private clinical reason"
    )
    Booking.objects.filter(pk=booking.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=31)
    )
    return booking


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("anonymise_closed_requests", *args, stdout=out)
    return out.getvalue()


def test_dry_run_lists_but_changes_nothing(closed_long_ago):
    output = run()

    assert "Dry run: 1 request(s)" in output
    assert closed_long_ago.reference in output
    closed_long_ago.refresh_from_db()
    assert closed_long_ago.first_name == "Jordan"
    assert closed_long_ago.anonymised_at is None


def test_apply_erases_personal_and_health_details_everywhere_but_keeps_statistics(
    closed_long_ago,
):
    recent = make_booking(first_name="Recent")
    services.booking_close(
        booking=recent, by=make_staff(username="other"), outcome="referred", reason="Nearer"
    )
    still_open = make_booking(first_name="Open")

    assert "Anonymised 1 request(s)" in run("--apply")

    booking = Booking.objects.get(pk=closed_long_ago.pk)
    assert booking.reference == closed_long_ago.reference
    assert booking.created_at == closed_long_ago.created_at
    assert booking.location.slug == "milford"
    assert booking.status == "not_suitable"
    assert booking.closed_at is not None and booking.anonymised_at is not None
    text = " ".join(str(v) for v in Booking.objects.filter(pk=booking.pk).values().get().values())
    for private in ["Jordan", "Rivera", "jordan@example.com", "1985", "Private", "5550123"]:
        assert private not in text
    assert not booking.urgent
    assert not TriageNote.objects.filter(booking=booking).exists()
    # Who tried to reach them, and when, stays for statistics; what was said goes.
    assert list(booking.contact_attempts.values_list("outcome", "note")) == [("reached", "")]
    for version in booking.history.all():
        assert (version.first_name, version.email, version.message) == (
            "Anonymised",
            "anonymised@example.invalid",
            "",
        )
        assert version.closing_reason == ""
    assert Booking.objects.get(pk=recent.pk).first_name == "Recent"
    assert Booking.objects.get(pk=still_open.pk).first_name == "Open"
    assert "0 request(s)" in run("--apply")

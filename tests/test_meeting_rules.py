"""The meeting rules as matrices, restated from product.md and the issue rather than computed with the code:
time-zone conversions, who sees a meeting, who schedules, answers the invitation, posts the minutes and answers
them; and the .ics parsed back with icalendar."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from portal.domain import meetings as rules
from portal.errors import Refused
from portal.extensions import db
from portal.models import ProjectStatus
from portal.visibility import can_see, can_see_meeting, visible_meetings
from tests.factories import add_member, make_organisation, make_user
from tests.meeting_factories import make_meeting
from tests.project_factories import make_project

# Time zones ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "zone", "utc"),
    [
        (datetime(2026, 12, 15, 10, 0), "Europe/Paris", datetime(2026, 12, 15, 9, 0, tzinfo=UTC)),  # winter: +1
        (datetime(2026, 7, 15, 10, 0), "Europe/Paris", datetime(2026, 7, 15, 8, 0, tzinfo=UTC)),  # summer: +2
        (datetime(2026, 12, 15, 10, 0), "Africa/Bamako", datetime(2026, 12, 15, 10, 0, tzinfo=UTC)),  # UTC all year
        (datetime(2026, 7, 15, 10, 0), "Africa/Bamako", datetime(2026, 7, 15, 10, 0, tzinfo=UTC)),
        (datetime(2026, 12, 15, 10, 0), "America/New_York", datetime(2026, 12, 15, 15, 0, tzinfo=UTC)),  # -5
        (datetime(2026, 7, 15, 10, 0), "America/New_York", datetime(2026, 7, 15, 14, 0, tzinfo=UTC)),  # -4
        # An offset given wins over the zone.
        (datetime(2026, 12, 15, 10, 0, tzinfo=UTC), "Europe/Paris", datetime(2026, 12, 15, 10, 0, tzinfo=UTC)),
    ],
)
def test_a_start_without_offset_is_local_time_in_the_meetings_zone(local, zone, utc):
    assert rules.to_utc(local, zone) == utc


def test_zones_are_iana_names():
    assert rules.is_time_zone("Africa/Bamako") and rules.is_time_zone("America/New_York")
    assert not rules.is_time_zone("Paris") and not rules.is_time_zone("UTC+1") and not rules.is_time_zone(None)


# Who is who around a meeting ------------------------------------------------------------------------------


@pytest.fixture()
def around(cast, session, app_context):
    """Commune A's meeting inviting association A, with the submitted project on its agenda; commune B's mayor,
    an officer of another association, an observer of the ministry, a clerk of commune A."""
    cast.project = make_project(cast.association, cast.commune_a, ProjectStatus.SUBMITTED)
    cast.draft = make_project(cast.association, cast.commune_a, ProjectStatus.DRAFT)
    cast.other_association = make_organisation("association", "Autre association", home_communes=[cast.commune_b])
    cast.users["officer_b"] = make_user("officer-b@test.org")
    add_member(cast.users["officer_b"], cast.other_association, "officer")
    cast.users["clerk"] = make_user("clerk@test.org")
    add_member(cast.users["clerk"], cast.commune_org, "clerk")
    cast.users["association_observer"] = make_user("assoc-observer@test.org")
    add_member(cast.users["association_observer"], cast.association, "observer")
    cast.meeting = make_meeting(cast.commune_org, [cast.association], [cast.project])
    cast.future = make_meeting(cast.commune_org, [cast.association], [cast.project], hours_from_now=24)
    cast.ministry_meeting = make_meeting(
        cast.ministry, [cast.association], [cast.project], commune_id=cast.commune_a.id
    )
    session.commit()
    return cast


# product.md: seen by the invited organisations, the organiser, mediators, observers and admins.
SEES = {
    "admin": True,
    "mediator": True,
    "mayor": True,  # organiser's member
    "deputy": True,
    "clerk": True,
    "mayor_b": False,
    "officer": True,  # invited
    "member": True,
    "association_observer": True,  # an invited organisation's observer reads
    "representative": False,  # the partner is not invited
    "observer": True,  # observers read everything that is not confidential
    "officer_b": False,
    "nobody": False,
}


@pytest.mark.parametrize("role", sorted(SEES))
def test_who_sees_a_meeting(around, role):
    user = around.users[role]
    assert can_see_meeting(user, around.meeting) is SEES[role]
    assert can_see(user, around.meeting) is SEES[role]  # the rule notify() applies
    listed = {m.id for m in db.session.scalars(visible_meetings(user))}
    assert (around.meeting.id in listed) is SEES[role]


def test_anonymous_visitors_see_no_meeting(around):
    from flask_login import AnonymousUserMixin

    anonymous = AnonymousUserMixin()
    assert not can_see_meeting(anonymous, around.meeting)
    assert not list(db.session.scalars(visible_meetings(anonymous)))


# Who may do what: (schedule about the submitted project, RSVP, post minutes of the commune's meeting, post minutes
# of the ministry's meeting). Officials of the organising commune and mediators (for the ministry's) act; an
# invited organisation's members answer, not its observers.
MAY = {
    "admin": (False, False, False, False),
    "mediator": (True, False, False, True),
    "mayor": (True, False, True, False),
    "deputy": (True, False, True, False),
    "clerk": (True, False, True, False),
    "mayor_b": (False, False, False, False),
    "officer": (False, True, False, False),
    "member": (False, True, False, False),
    "association_observer": (False, False, False, False),
    "representative": (False, False, False, False),
    "observer": (False, False, False, False),
    "nobody": (False, False, False, False),
}


@pytest.mark.parametrize("role", sorted(MAY))
def test_who_may_act_on_a_meeting(around, role):
    user = around.users[role]
    schedule, rsvp, minutes, ministry_minutes = MAY[role]
    assert rules.can_schedule_about(user, around.project) is schedule
    assert rules.can_schedule_about(user, around.draft) is False  # a draft never submitted is on no agenda
    assert rules.can_rsvp(user, around.meeting) is rsvp
    assert rules.can_post_minutes(user, around.meeting) is minutes
    assert rules.can_post_minutes(user, around.future) is False  # not started yet
    assert rules.can_post_minutes(user, around.ministry_meeting) is ministry_minutes


def test_who_answers_the_minutes_attending_parties_only(around):
    rules.post_minutes(around.users["mayor"], around.meeting, "Résumé.", ["Décision."], [around.association.id])
    may = {role for role in MAY if rules.can_answer_minutes(around.users[role], around.meeting)}
    assert may == {"officer", "member"}


def test_minutes_are_replaced_until_the_first_approval(around):
    mayor = around.users["mayor"]
    rules.post_minutes(mayor, around.meeting, "Première.", [], [around.association.id, around.commune_org.id])
    rules.answer_minutes(around.users["officer"], around.meeting, "commented", "Il manque la date.")
    rules.post_minutes(mayor, around.meeting, "Seconde.", ["Visite le 10."], [around.association.id])
    assert around.meeting.minutes_summary == "Seconde." and around.meeting.minutes_decisions == ["Visite le 10."]
    assert [(a.organisation_id, a.answer) for a in around.meeting.attendees] == [(around.association.id, None)]
    rules.answer_minutes(around.users["member"], around.meeting, "approved")
    with pytest.raises(Refused) as refused:
        rules.post_minutes(mayor, around.meeting, "Troisième.", [], [around.association.id])
    assert refused.value.code == "not_editable"


# The .ics ---------------------------------------------------------------------------------------------------


def test_the_ics_keeps_its_uid_raises_its_sequence_and_cancels(around, session):
    meeting = around.future
    mayor = around.users["mayor"]

    def parsed():
        calendar = icalendar.Calendar.from_ical(rules.meeting_ics(meeting))
        (event,) = calendar.walk("VEVENT")
        return calendar, event

    calendar, first = parsed()
    assert str(calendar["method"]) == "REQUEST" and str(calendar["version"]) == "2.0"
    assert first["dtstart"].to_ical().endswith(b"Z")  # in UTC
    new_start = datetime(2027, 3, 1, 9, 30)
    rules.reschedule_meeting(mayor, meeting, rules.MeetingInput(starts_at=new_start), meeting.version)
    _, second = parsed()
    assert str(second["uid"]) == str(first["uid"]) and int(second["sequence"]) == int(first["sequence"]) + 1
    assert second.decoded("dtstart") == datetime(2027, 3, 1, 8, 30, tzinfo=UTC)  # 09:30 Paris in winter
    assert second.decoded("dtend") - second.decoded("dtstart") == timedelta(minutes=meeting.duration_minutes)
    rules.cancel_meeting(mayor, meeting, "Pluies.")
    calendar, third = parsed()
    assert str(calendar["method"]) == "CANCEL" and str(third["status"]) == "CANCELLED"
    assert str(third["uid"]) == str(first["uid"]) and int(third["sequence"]) == int(second["sequence"]) + 1


def test_the_default_reminder_is_an_admin_setting(around):
    from portal.domain.settings import set_setting

    data = dict(
        title="Concertation",
        commune_id=around.commune_a.id,
        project_ids=[],
        starts_at=datetime(2030, 1, 10, 10, 0),
        timezone="Africa/Bamako",
        duration_minutes=60,
        location="Mairie",
        invitee_organisation_ids=[around.association.id],
    )
    assert rules.schedule_meeting(around.users["mayor"], rules.MeetingInput(**data)).reminder_hours == 48
    set_setting(around.users["admin"], "meeting_reminder_hours", "24")
    assert rules.schedule_meeting(around.users["mayor"], rules.MeetingInput(**data)).reminder_hours == 24
    given = rules.schedule_meeting(around.users["mayor"], rules.MeetingInput(**data, reminder_hours=6))
    assert given.reminder_hours == 6

"""Disputes: the workflow as a matrix (state × role × action), who sees a dispute, the deadlines at their
boundaries, the appeal (once, within 30 days of closure), opening one, and the record that holds up.

Expectations restated from product.md:
- `open` → `acknowledged` → `in_mediation` → `resolved` → `closed`; `dismissed` from open or acknowledged
  (reason required). A mediator acknowledges, starts the mediation, resolves (the settlement), dismisses,
  closes; a mediator or an admin assigns a mediator; each party accepts or objects to a resolved dispute (the
  status does not change); within 30 days of closure a party may appeal once: back to `in_mediation`.
- Only the parties to the dispute, mediators and admins see it; everyone else gets 404. A party cannot act as
  mediator.
- Acknowledge within 10 days and resolve within 60 (settings), with overdue flags.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from portal.database import utcnow
from portal.domain import disputes
from portal.domain.audit import verify_chain
from portal.domain.settings import set_setting
from portal.errors import Refused
from portal.extensions import db
from portal.models import AuditEvent, Dispute, Meeting
from portal.visibility import can_see_dispute, visible_disputes, visible_meetings
from tests.commitment_factories import co_funded_project, make_commitment
from tests.dispute_factories import make_dispute
from tests.factories import add_member, make_user
from tests.meeting_factories import make_meeting
from tests.test_audit import _drop_guards

STATES = ["open", "acknowledged", "in_mediation", "resolved", "closed", "dismissed"]

# action → (the states it is taken from, the state it leads to; None: unchanged), from product.md.
MEDIATOR_ACTIONS = {
    "acknowledge": ({"open"}, "acknowledged"),
    "start_mediation": ({"acknowledged"}, "in_mediation"),
    "resolve": ({"in_mediation"}, "resolved"),
    "dismiss": ({"open", "acknowledged"}, "dismissed"),
    "close": ({"resolved"}, "closed"),
}
ASSIGN = {"assign": ({"open", "acknowledged", "in_mediation", "resolved"}, None)}
PARTY_ACTIONS = {
    "accept": ({"resolved"}, None),
    "object": ({"resolved"}, None),
    "appeal": ({"closed"}, "in_mediation"),
}
ALL_ACTIONS = {**MEDIATOR_ACTIONS, **ASSIGN, **PARTY_ACTIONS}
COMMENTED = {"resolve", "dismiss", "object", "appeal"}

# Who is who for a dispute of association A (officer) against the partner (representative): the partner's
# observer and the commune's mayor (a party to the project, not to the dispute) are outsiders.
ROLE_ACTIONS = {
    "mediator": {**MEDIATOR_ACTIONS, **ASSIGN},
    "admin": ASSIGN,
    "officer": PARTY_ACTIONS,
    "representative": PARTY_ACTIONS,
    "party_mediator": PARTY_ACTIONS,  # a mediator who is also a member of association A: a party, not a mediator
}
OUTSIDERS = ["observer", "mayor", "nobody"]


@pytest.fixture()
def people(cast, session, app_context):
    cast.users["party_mediator"] = make_user("party-mediator@test.org", "Médiateur et membre")
    add_member(cast.users["party_mediator"], cast.ministry, "mediator")
    add_member(cast.users["party_mediator"], cast.association, "member")
    session.commit()
    return cast


def expected(role: str, action: str, state: str):
    if role in OUTSIDERS:
        return 404
    actions = ROLE_ACTIONS[role]
    if action not in actions:
        return 403
    sources, target = actions[action]
    if state not in sources:
        return 409
    return target or state


def _attempt(people, role, action, state, respondent=None):
    dispute = make_dispute(people, state, respondent=respondent, closed_at=utcnow() if state == "closed" else None)
    user = people.users[role]
    try:
        loaded = disputes.load_dispute(user, dispute.id)
        disputes.transition(
            user,
            loaded,
            action,
            "Le texte qu'il faut." if action in COMMENTED else None,
            mediator_id=people.users["mediator"].id,
        )
    except Refused as refusal:
        return refusal.status
    return loaded.status


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(ALL_ACTIONS))
@pytest.mark.parametrize("role", [*ROLE_ACTIONS, *OUTSIDERS])
def test_the_transition_matrix(people, session, role, action, state):
    assert _attempt(people, role, action, state) == expected(role, action, state)


# A dispute of association A against commune A: the commune answers a settlement (accept, object, appeal)
# through its mayor or a deputy; its secrétaire général sees the dispute (a party's official) but an answer binds
# the commune (product.md, "Council deliberations"): 403, whatever the state.
COMMUNE_ANSWERS = {"mayor": PARTY_ACTIONS, "deputy": PARTY_ACTIONS, "clerk": {}}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(PARTY_ACTIONS))
@pytest.mark.parametrize("role", sorted(COMMUNE_ANSWERS))
def test_the_commune_answers_a_settlement_through_its_mayor_or_a_deputy(people, session, role, action, state):
    people.add_clerk()
    got = _attempt(people, role, action, state, respondent=people.commune_org)
    actions = COMMUNE_ANSWERS[role]
    if action not in actions:
        assert got == 403
    elif state not in actions[action][0]:
        assert got == 409
    else:
        assert got == (actions[action][1] or state)


def test_the_clerk_follows_a_dispute_of_the_commune_without_answering_for_it(people, session):
    """The secrétaire général sees the dispute and writes in its thread; the page offers no answer to them."""
    clerk = people.add_clerk()
    dispute = make_dispute(people, "resolved", respondent=people.commune_org)
    assert can_see_dispute(clerk, dispute)
    assert disputes.available_actions(clerk, dispute) == []
    assert set(disputes.available_actions(people.users["mayor"], dispute)) == {"accept", "object"}


@pytest.mark.parametrize("action", sorted(COMMENTED))
def test_resolve_dismiss_object_and_appeal_need_their_text(people, session, action):
    state = next(iter(ALL_ACTIONS[action][0]))
    actor = people.users["mediator" if action in MEDIATOR_ACTIONS else "officer"]
    dispute = make_dispute(people, state, closed_at=utcnow())
    with pytest.raises(Refused) as refused:
        disputes.transition(actor, dispute, action, "   ")
    assert refused.value.code == "comment_required" and "comment" in refused.value.fields
    assert dispute.status == state


def test_assign_names_a_mediator_who_is_not_a_party(people, session):
    dispute = make_dispute(people)
    for wrong in (None, people.users["officer"].id, people.users["party_mediator"].id, 2**31 - 1):
        with pytest.raises(Refused) as refused:
            disputes.transition(people.users["admin"], dispute, "assign", mediator_id=wrong)
        assert refused.value.code == "validation_failed" and "mediator_id" in refused.value.fields
    disputes.transition(people.users["admin"], dispute, "assign", mediator_id=people.users["mediator"].id)
    assert dispute.mediator_id == people.users["mediator"].id and dispute.status == "open"


def test_start_mediation_assigns_the_acting_mediator_if_none_is(people, session):
    dispute = make_dispute(people, "acknowledged")
    disputes.transition(people.users["mediator"], dispute, "start_mediation")
    assert dispute.mediator_id == people.users["mediator"].id


def test_settlement_dismissal_and_answers_are_kept(people, session):
    resolved = make_dispute(people, "in_mediation")
    disputes.transition(people.users["mediator"], resolved, "resolve", "Versement avant le 15 janvier.")
    assert resolved.settlement == "Versement avant le 15 janvier." and resolved.resolved_at is not None
    disputes.transition(people.users["officer"], resolved, "accept")
    disputes.transition(people.users["representative"], resolved, "object", "Trop court.")
    assert resolved.status == "resolved"
    answers = [(e["action"], e["organisation_ids"]) for e in disputes.timeline(people.users["mediator"], resolved)]
    assert ("accept", [people.association.id]) in answers and ("object", [people.partner.id]) in answers
    dismissed = make_dispute(people)
    disputes.transition(people.users["mediator"], dismissed, "dismiss", "Hors du champ du projet.")
    assert dismissed.dismissal_reason == "Hors du champ du projet."


# Visibility ---------------------------------------------------------------------------------------------------


SEES = {"mediator": True, "admin": True, "officer": True, "member": True, "representative": True}


@pytest.mark.parametrize(
    "role",
    ["admin", "mediator", "mayor", "deputy", "mayor_b", "officer", "member", "representative", "observer", "nobody"],
)
def test_only_the_parties_mediators_and_admins_see_a_dispute(people, session, role):
    dispute = make_dispute(people)
    other = make_dispute(people, project=co_funded_project(people), claimant=people.commune_org)
    user = people.users[role]
    sees = SEES.get(role, False)
    assert can_see_dispute(user, dispute) is sees
    listed = set(session.scalars(visible_disputes(user).with_only_columns(Dispute.id)))
    # The second dispute sets commune A against the partner: the mayor and the deputy are its party.
    expected_list = {dispute.id} if sees else set()
    if role in ("admin", "mediator", "representative", "mayor", "deputy"):
        expected_list.add(other.id)
    if role in ("officer", "member"):
        expected_list = {dispute.id}
    assert listed == expected_list
    if not sees:
        with pytest.raises(Refused) as refused:
            disputes.load_dispute(user, dispute.id)
        assert refused.value.status == 404


def test_anonymous_sees_no_dispute(people, session):
    from flask_login import AnonymousUserMixin

    dispute = make_dispute(people)
    assert not can_see_dispute(AnonymousUserMixin(), dispute)
    assert session.scalars(visible_disputes(AnonymousUserMixin())).all() == []


def test_a_mediation_session_is_seen_only_by_those_who_see_its_dispute(people, session):
    from portal.models import MediationSession

    dispute = make_dispute(people, "in_mediation")
    project = dispute.project
    public_meeting = make_meeting(people.commune_org, [people.association, people.partner], [project])
    mediation = make_meeting(people.ministry, [people.association, people.partner], [], commune_id=project.commune_id)
    mediation.mediation = MediationSession(dispute_id=dispute.id)
    session.flush()
    for role in ["admin", "mediator", "officer", "member", "representative", "observer", "mayor", "nobody"]:
        user = people.users[role]
        listed = set(session.scalars(visible_meetings(user).with_only_columns(Meeting.id)))
        assert (mediation.id in listed) is SEES.get(role, False), role
        # The ordinary meeting: its invitees, organiser, mediators, observers, admins (unchanged).
        assert (public_meeting.id in listed) is (role != "nobody"), role


# Opening ------------------------------------------------------------------------------------------------------


def _open(people, actor="officer", **data):
    project = data.pop("project", None) or co_funded_project(people)
    body = {
        "respondent_organisation_id": people.partner.id,
        "subject": "Tranche non versée",
        "description": "La deuxième tranche n'est pas arrivée.",
        **data,
    }
    return disputes.open_dispute(people.users[actor], project, body)


def test_a_party_opens_a_dispute_with_its_deadlines(people, session):
    before = utcnow()
    dispute = _open(people)
    after = utcnow()
    assert dispute.status == "open" and dispute.claimant_id == people.association.id
    assert before + timedelta(days=10) <= dispute.acknowledge_due_at <= after + timedelta(days=10)
    assert before + timedelta(days=60) <= dispute.resolution_due_at <= after + timedelta(days=60)


def test_the_deadlines_follow_the_admin_settings(people, session):
    set_setting(people.users["admin"], "dispute_acknowledge_days", "3")
    set_setting(people.users["admin"], "dispute_resolve_days", "20")
    dispute = _open(people)
    assert dispute.resolution_due_at - dispute.acknowledge_due_at == timedelta(days=17)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"respondent_organisation_id": None}, "respondent_organisation_id"),
        ({"respondent_organisation_id": "partner-self"}, "respondent_organisation_id"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"description": " "}, "description"),
        ({"commitment_id": 2**31 - 1}, "commitment_id"),
        ({"organisation_id": "partner"}, "organisation_id"),
    ],
)
def test_opening_refuses_what_is_wrong_naming_the_field(people, session, data, field):
    data = {
        key: (people.association.id if value == "partner-self" else people.partner.id if value == "partner" else value)
        for key, value in data.items()
    }
    with pytest.raises(Refused) as refused:
        _open(people, **data)
    assert refused.value.status == 422 and field in refused.value.fields


def test_only_a_party_acting_for_itself_opens_one(people, session):
    for role in ("mediator", "admin", "observer", "nobody"):
        with pytest.raises(Refused) as refused:
            _open(people, role)
        assert refused.value.code == "forbidden", role
    draft = co_funded_project(people, "draft")
    with pytest.raises(Refused) as refused:
        _open(people, project=draft)
    assert refused.value.code == "forbidden"


def test_a_commitment_of_another_project_is_refused_and_its_own_left_as_it_is(people, session):
    project = co_funded_project(people)
    elsewhere = make_commitment(co_funded_project(people), people.partner, "contested")
    with pytest.raises(Refused) as refused:
        _open(people, project=project, commitment_id=elsewhere.id)
    assert "commitment_id" in refused.value.fields
    contested = make_commitment(project, people.partner, "contested")
    dispute = _open(people, project=project, commitment_id=contested.id)
    mediator = people.users["mediator"]
    disputes.transition(mediator, dispute, "acknowledge")
    disputes.transition(mediator, dispute, "start_mediation")
    disputes.transition(mediator, dispute, "resolve", "Le partenaire verse en janvier.")
    disputes.transition(mediator, dispute, "close")
    assert contested.status == "contested"


# Deadlines at their boundaries --------------------------------------------------------------------------------


def test_overdue_flags_at_their_boundaries(people, session):
    opened = utcnow() - timedelta(days=100)
    dispute = make_dispute(people, opened_at=opened)
    ack_due, resolve_due = opened + timedelta(days=10), opened + timedelta(days=60)
    assert not dispute.acknowledgement_overdue(ack_due)
    assert dispute.acknowledgement_overdue(ack_due + timedelta(seconds=1))
    assert not dispute.resolution_overdue(resolve_due)
    assert dispute.resolution_overdue(resolve_due + timedelta(seconds=1))
    dispute.status = "acknowledged"
    assert not dispute.acknowledgement_overdue(ack_due + timedelta(days=1))
    assert dispute.resolution_overdue(resolve_due + timedelta(seconds=1))
    for settled in ("resolved", "closed", "dismissed"):
        dispute.status = settled
        assert not dispute.resolution_overdue(resolve_due + timedelta(days=1))


def test_the_overdue_filter_finds_exactly_the_late_ones(people, session):
    late = make_dispute(people, opened_at=utcnow() - timedelta(days=11))
    on_time = make_dispute(people, opened_at=utcnow() - timedelta(days=9))
    acknowledged = make_dispute(people, "acknowledged", opened_at=utcnow() - timedelta(days=11))
    listed = set(session.scalars(disputes.filter_disputes(people.users["mediator"], {"overdue": True})).all())
    assert late in listed and on_time not in listed and acknowledged not in listed


def test_reminders_go_once_per_deadline_passed(people, session):
    make_dispute(people, opened_at=utcnow() - timedelta(days=11))
    assert disputes.remind_overdue() == 1
    assert disputes.remind_overdue() == 0
    assert disputes.remind_overdue(utcnow() + timedelta(days=50)) == 1  # the resolution deadline too, then
    assert disputes.remind_overdue(utcnow() + timedelta(days=50)) == 0


def test_the_deadline_reminders_are_an_hourly_scheduled_job(app, people, session):
    from portal.cli.jobs import SCHEDULED_JOBS
    from portal.models import OutboxMessage
    from portal.notifications.jobs import run_due_jobs

    make_dispute(people, opened_at=utcnow() - timedelta(days=11))
    session.commit()
    job = next(job for job in SCHEDULED_JOBS if job.name == "dispute_deadlines")
    now = utcnow()
    assert run_due_jobs(app, [job], now=now) == ["dispute_deadlines"]
    assert run_due_jobs(app, [job], now=now + timedelta(minutes=30)) == []
    assert run_due_jobs(app, [job], now=now + timedelta(hours=2)) == ["dispute_deadlines"]
    mails = session.scalars(select(OutboxMessage.to_email).where(OutboxMessage.event == "dispute_acknowledge_overdue"))
    assert list(mails) == [people.users["mediator"].email]  # once, to the mediator


# The appeal ---------------------------------------------------------------------------------------------------


def test_an_appeal_within_30_days_reopens_mediation_with_a_fresh_deadline(people, session):
    closed_at = utcnow() - timedelta(days=40)
    dispute = make_dispute(people, "closed", closed_at=closed_at)
    at_limit = closed_at + timedelta(days=30)
    disputes.transition(people.users["officer"], dispute, "appeal", "Rien n'a été versé.", now=at_limit)
    assert dispute.status == "in_mediation" and dispute.appealed_at == at_limit
    assert dispute.resolution_due_at == at_limit + timedelta(days=60)


def test_an_appeal_one_second_late_is_refused(people, session):
    closed_at = utcnow() - timedelta(days=40)
    dispute = make_dispute(people, "closed", closed_at=closed_at)
    late = closed_at + timedelta(days=30, seconds=1)
    assert not disputes.may(people.users["officer"], dispute, "appeal", now=late)
    with pytest.raises(Refused) as refused:
        disputes.transition(people.users["officer"], dispute, "appeal", "Trop tard ?", now=late)
    assert refused.value.code == "invalid_transition" and dispute.status == "closed"


def test_a_dispute_is_appealed_once_only(people, session):
    dispute = make_dispute(people, "closed", closed_at=utcnow())
    mediator, officer = people.users["mediator"], people.users["officer"]
    disputes.transition(officer, dispute, "appeal", "Rien n'a été versé.")
    disputes.transition(mediator, dispute, "resolve", "Versement sous huit jours.")
    disputes.transition(mediator, dispute, "close")
    with pytest.raises(Refused) as refused:
        disputes.transition(people.users["representative"], dispute, "appeal", "Encore ?")
    assert refused.value.code == "invalid_transition" and dispute.status == "closed"


# The thread, the notes -----------------------------------------------------------------------------------------


def test_notes_stay_with_the_mediators_and_admins(people, session):
    dispute = make_dispute(people, "in_mediation")
    disputes.post_message(people.users["officer"], dispute, "Nous attendons.")
    disputes.post_message(people.users["mediator"], dispute, "Le partenaire semble de bonne foi.", private=True)
    for role, sees_note in {"mediator": True, "admin": True, "officer": False, "representative": False}.items():
        user = people.users[role]
        bodies = [m.body for m in disputes.thread(user, dispute)]
        assert ("Le partenaire semble de bonne foi." in bodies) is sees_note, role
        actions = [e["action"] for e in disputes.timeline(user, dispute)]
        assert ("note" in actions) is sees_note, role
    with pytest.raises(Refused) as refused:
        disputes.post_message(people.users["officer"], dispute, "Je note.", private=True)
    assert refused.value.code == "forbidden"


def test_nothing_is_added_once_it_is_over(people, session):
    for state in ("closed", "dismissed"):
        dispute = make_dispute(people, state, closed_at=utcnow())
        with pytest.raises(Refused) as refused:
            disputes.post_message(people.users["officer"], dispute, "Encore un mot.")
        assert refused.value.code == "invalid_transition"


# A record that holds up -----------------------------------------------------------------------------------------


def _workflow(people):
    """The whole workflow through the operations, committed: its events in the audit log."""
    dispute = _open(people)
    mediator = people.users["mediator"]
    disputes.transition(mediator, dispute, "acknowledge")
    disputes.transition(mediator, dispute, "start_mediation")
    disputes.post_message(people.users["representative"], dispute, "Le virement part lundi.")
    disputes.transition(mediator, dispute, "resolve", "Versement avant le 15 janvier.")
    disputes.transition(people.users["officer"], dispute, "accept")
    disputes.transition(mediator, dispute, "close")
    db.session.commit()
    return dispute


def test_the_timeline_is_the_audit_log_of_the_workflow(app, people, session):
    dispute = _workflow(people)
    steps = [(e["action"], e["to_status"]) for e in disputes.timeline(people.users["officer"], dispute)]
    assert steps == [
        ("open", "open"),
        ("acknowledge", "acknowledged"),
        ("start_mediation", "in_mediation"),
        ("message", None),
        ("resolve", "resolved"),
        ("accept", "resolved"),
        ("close", "closed"),
    ]
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


FIELDS = {
    "at": lambda e: e.at + timedelta(seconds=1),
    "actor_id": lambda e: (e.actor_id or 0) + 1,
    "action": lambda e: "dispute.dismiss",
    "subject_type": lambda e: "project",
    "subject_id": lambda e: e.subject_id + 1,
    "before": lambda e: {"status": "open"},
    "after": lambda e: {"status": "dismissed"},
    "comment": lambda e: "Réécrit.",
    "prev_hash": lambda e: "f" * 64,
    "hash": lambda e: "e" * 64,
}


def _events(session, dispute):
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "dispute", AuditEvent.subject_id == dispute.id)
        .order_by(AuditEvent.id)
    ).all()


def _verify_names(app, event_id):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert f"event {event_id} " in result.output


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_altering_any_stored_field_of_an_event_is_caught(app, people, session, field):
    dispute = _workflow(people)
    target = _events(session, dispute)[4]  # the settlement
    _drop_guards(session)
    session.execute(sa.update(AuditEvent).where(AuditEvent.id == target.id).values({field: FIELDS[field](target)}))
    session.commit()
    _verify_names(app, target.id)


def test_deleting_an_event_is_caught(app, people, session):
    dispute = _workflow(people)
    events = _events(session, dispute)
    _drop_guards(session)
    session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[3].id))
    session.commit()
    _verify_names(app, events[4].id)


def test_reordering_events_is_caught(app, people, session):
    dispute = _workflow(people)
    first, second = _events(session, dispute)[4:6]
    columns = [
        "at",
        "actor_id",
        "action",
        "subject_type",
        "subject_id",
        "before",
        "after",
        "comment",
        "prev_hash",
        "hash",
    ]
    values = {e.id: {c: getattr(e, c) for c in columns} for e in (first, second)}
    _drop_guards(session)
    # The hashes are unique: the first takes a placeholder while the two swap.
    session.execute(sa.update(AuditEvent).where(AuditEvent.id == first.id).values(hash="0" * 64))
    session.execute(sa.update(AuditEvent).where(AuditEvent.id == second.id).values(values[first.id]))
    session.execute(sa.update(AuditEvent).where(AuditEvent.id == first.id).values(values[second.id]))
    session.commit()
    _verify_names(app, first.id)
    assert verify_chain().first_bad.id == first.id

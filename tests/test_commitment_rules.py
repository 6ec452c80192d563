"""The commitment workflow as a matrix (state × role × action → done, or the exact refusal), restated from
product.md; overdue at the day's boundary in Bamako; pledges; fulfilment; the reminder and escalation jobs."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.cli.jobs import SCHEDULED_JOBS
from portal.domain import commitments as rules
from portal.domain import projects
from portal.errors import Refused
from portal.models import Commitment, OutboxMessage, ProjectStatus, commune_today
from portal.notifications.jobs import run_due_jobs
from tests.commitment_factories import co_funded_project, make_commitment

ROLES = ["officer", "member", "mayor", "deputy", "mayor_b", "representative", "observer", "mediator", "admin", "nobody"]
STATES = ["open", "fulfilled", "confirmed", "contested", "cancelled"]

# Restated from product.md, for a commitment of the proposing association (officer, member) recorded by the mayor,
# on a submitted project co-funded by the partner: the other side is the commune (mayor, deputy) and the partner
# (its representative; its observer only reads). Per action: state → who.
PROMISING = {"officer", "member"}
OTHER_SIDE = {"mayor", "deputy", "representative"}
WHO = {
    "report_fulfilled": {"open": PROMISING, "contested": PROMISING},
    "confirm": {"fulfilled": OTHER_SIDE | {"mediator"}, "contested": {"mediator"}},
    "contest": {"fulfilled": OTHER_SIDE},
    "cancel": {"open": {"mayor", "mediator"}},  # its author (the mayor here) or a mediator
}
TO = {"report_fulfilled": "fulfilled", "confirm": "confirmed", "contest": "contested", "cancel": "cancelled"}
NEEDS_COMMENT = {"contest", "cancel"}
SEES = set(ROLES) - {"mayor_b", "nobody"}  # parties, observers, mediators, admins see a submitted project


@pytest.fixture(autouse=True)
def _in_app_context(app_context):
    """The operations render mails (notifications), which needs the application."""


def expected(role: str, state: str, action: str) -> str:
    if role not in SEES:
        return "not_found"
    if not any(role in who for who in WHO[action].values()):
        return "forbidden"
    if state not in WHO[action]:
        return "invalid_transition"
    if role not in WHO[action][state]:
        return "forbidden"
    if action in NEEDS_COMMENT:
        return "comment_required"
    if action == "report_fulfilled" and state == "contested":
        return "validation_failed"  # reported again only with new evidence
    return "done"


def outcome(user, commitment_id: int, action: str) -> str:
    try:
        commitment = rules.load_commitment(user, commitment_id)
        rules.transition(user, commitment, action)
    except Refused as refusal:
        return refusal.code
    return "done"


@pytest.mark.parametrize("action", sorted(WHO))
@pytest.mark.parametrize("state", STATES)
def test_the_transition_table(session, cast, state, action):
    project = co_funded_project(cast, ProjectStatus.SUBMITTED)
    for role in ROLES:
        commitment = make_commitment(project, cast.association, state, author=cast.users["mayor"])
        with session.begin_nested() as savepoint:
            got = outcome(cast.users[role], commitment.id, action)
            if got == "done":
                assert commitment.status == TO[action], (role, state, action)
            savepoint.rollback()
        assert got == expected(role, state, action), (role, state, action, got)


@pytest.mark.parametrize("action", sorted(NEEDS_COMMENT))
def test_a_comment_is_required_and_recorded(session, cast, action):
    project = co_funded_project(cast, ProjectStatus.SUBMITTED)
    state = next(iter(WHO[action]))
    commitment = make_commitment(project, cast.association, state, author=cast.users["mayor"])
    with pytest.raises(Refused) as refused:
        rules.transition(cast.users["mayor"], commitment, action, comment="  ")
    assert refused.value.code == "comment_required"
    rules.transition(cast.users["mayor"], commitment, action, comment="Pas reçu sur le compte de la mairie.")
    assert commitment.status == TO[action]


def test_contested_then_reported_again_with_new_evidence_then_confirmed_by_a_mediator(
    session, cast, app, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    project = co_funded_project(cast, ProjectStatus.SUBMITTED)
    commitment = make_commitment(project, cast.association, "fulfilled", author=cast.users["mayor"])
    rules.transition(cast.users["deputy"], commitment, "contest", "Le reçu est illisible.")
    rules.add_evidence(cast.users["member"], commitment, io.BytesIO(b"%PDF-1.4 receipt"), "recu.pdf")
    rules.transition(cast.users["member"], commitment, "report_fulfilled")
    assert commitment.status == "fulfilled"
    rules.transition(cast.users["deputy"], commitment, "contest", "Toujours illisible.")
    rules.transition(cast.users["mediator"], commitment, "confirm")
    assert commitment.status == "confirmed"


def test_a_stale_version_is_refused(session, cast):
    project = co_funded_project(cast, ProjectStatus.SUBMITTED)
    commitment = make_commitment(project, cast.association, "fulfilled")
    with pytest.raises(Refused) as refused:
        rules.transition(cast.users["mayor"], commitment, "confirm", version=commitment.version - 1 or 99)
    assert refused.value.code == "stale_version"
    rules.transition(cast.users["mayor"], commitment, "confirm", version=commitment.version)


def test_only_a_mediator_cancels_a_pledge(session, cast):
    project = co_funded_project(cast, ProjectStatus.IN_CONSULTATION)
    projects.transition(cast.users["mayor"], project, "agree")
    pledges = session.scalars(select(Commitment).where(Commitment.project_id == project.id)).all()
    assert {p.organisation_id for p in pledges} == {cast.association.id, cast.partner.id}
    pledge = pledges[0]
    assert pledge.recorded_by_id == cast.users["mayor"].id  # its author: the agreeing official
    with pytest.raises(Refused) as refused:
        rules.transition(cast.users["mayor"], pledge, "cancel", "Erreur")
    assert refused.value.code == "forbidden"
    rules.transition(cast.users["mediator"], pledge, "cancel", "Le partenaire s'est retiré.")
    assert pledge.status == "cancelled"


def test_pledges_carry_the_lines_amounts_and_fall_due_on_the_date_given_or_after_90_days(session, cast):
    first = co_funded_project(cast, ProjectStatus.IN_CONSULTATION)
    projects.transition(cast.users["mayor"], first, "agree", pledge_due_date="2027-03-31")
    rows = session.scalars(select(Commitment).where(Commitment.project_id == first.id).order_by(Commitment.id)).all()
    assert [(r.kind, r.amount_xof, r.currency, r.due_date) for r in rows] == [
        ("financial", 600_000, "XOF", date(2027, 3, 31)),
        ("financial", 400_000, "XOF", date(2027, 3, 31)),
    ]
    assert [r.funding_line_id for r in rows] == [line.id for line in first.funding_lines]
    second = co_funded_project(cast, ProjectStatus.IN_CONSULTATION)
    projects.transition(cast.users["mayor"], second, "agree")
    due = session.scalars(select(Commitment.due_date).where(Commitment.project_id == second.id)).all()
    assert set(due) == {commune_today() + timedelta(days=90)}
    third = co_funded_project(cast, ProjectStatus.IN_CONSULTATION)
    with pytest.raises(Refused) as refused:
        projects.transition(cast.users["mayor"], third, "agree", pledge_due_date="31/03/2027")
    assert refused.value.code == "validation_failed" and "pledge_due_date" in refused.value.fields


def test_a_line_without_an_organisation_makes_no_pledge(session, cast):
    project = co_funded_project(cast, ProjectStatus.IN_CONSULTATION)
    project.funding_lines[1].organisation_id = None
    session.flush()
    session.expire(project, ["funding_lines"])
    projects.transition(cast.users["mayor"], project, "agree")
    assert session.scalar(select(func.count()).where(Commitment.project_id == project.id)) == 1


# Overdue, in the communes' time zone ------------------------------------------------------------------------


def test_overdue_starts_the_day_after_the_due_date_in_bamako(session, cast):
    commitment = make_commitment(co_funded_project(cast), cast.association)
    commitment.due_date = date(2026, 12, 1)
    late_on_the_day = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)  # Bamako is UTC+0: still 1 December
    next_day = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    assert not commitment.is_overdue(commune_today(late_on_the_day))
    assert commitment.is_overdue(commune_today(next_day))
    # 23:30 UTC on 1 December is already 2 December in Paris: not in Bamako, where the day is counted.
    assert commune_today(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)
    commitment.status = "fulfilled"
    assert not commitment.is_overdue(commune_today(next_day))  # only open commitments are overdue


def test_due_yesterday_is_overdue_due_today_is_not(session, cast):
    project = co_funded_project(cast)
    yesterday = make_commitment(project, cast.association, due_in_days=-1)
    today = make_commitment(project, cast.association, due_in_days=0)
    assert yesterday.is_overdue(commune_today()) and not today.is_overdue(commune_today())
    found = session.scalars(rules.visible_commitments(cast.users["admin"], {"overdue": True})).all()
    assert [c.id for c in found] == [yesterday.id]


# Fulfilment rate ----------------------------------------------------------------------------------------------


def test_the_fulfilment_rate_counts_confirmed_over_confirmed_overdue_and_contested(session, cast):
    project = co_funded_project(cast)
    assert rules.fulfilment_rate(cast.association.id) == (0, 0)
    for status, due in [("confirmed", -5), ("confirmed", 5), ("contested", 5), ("open", -1), ("open", 5)]:
        make_commitment(project, cast.association, status, due_in_days=due)
    make_commitment(project, cast.association, "cancelled", due_in_days=-10)  # left out
    make_commitment(project, cast.association, "fulfilled", due_in_days=-10)  # awaiting confirmation: left out
    make_commitment(project, cast.partner, "confirmed")  # another organisation's
    assert rules.fulfilment_rate(cast.association.id) == (2, 4)


# Reminders and escalation, by the scheduled jobs ---------------------------------------------------------------


def _job(name):
    return next(job for job in SCHEDULED_JOBS if job.name == name)


def _mails(session, event: str) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.event == event))


def test_reminders_and_escalation_are_each_sent_once(app, session, cast):
    project = co_funded_project(cast)
    make_commitment(project, cast.association, due_in_days=3)
    make_commitment(project, cast.association, due_in_days=-2)
    make_commitment(project, cast.association, due_in_days=-45)
    make_commitment(project, cast.association, "confirmed", due_in_days=-45)  # kept: never reminded
    session.commit()
    now = datetime.now(UTC)
    jobs = [_job("commitment_reminders"), _job("commitment_escalation")]
    assert run_due_jobs(app, jobs, now=now) == ["commitment_reminders", "commitment_escalation"]
    counts = {e: _mails(session, e) for e in ("commitment_due_soon", "commitment_overdue", "commitment_escalated")}
    # The association's officer and member for each; the overdue ones to the other side too; the mediator once.
    assert counts == {"commitment_due_soon": 2, "commitment_overdue": 2 * 5, "commitment_escalated": 1}
    assert run_due_jobs(app, jobs, now=now + timedelta(hours=2)) == ["commitment_reminders", "commitment_escalation"]
    assert {e: _mails(session, e) for e in counts} == counts  # each sent once

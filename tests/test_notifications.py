"""Notifications: who hears about what (the events table), mail preferences, the daily digest, the in-app inbox
and the admin's page of undelivered mail."""

import contextlib
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, insert, select

from portal.cli.jobs import SCHEDULED_JOBS, scheduled_jobs
from portal.database import utcnow
from portal.domain import (
    acceptance,
    accounts,
    amendments,
    commitments,
    contributions,
    convention,
    disputes,
    facilities,
    meetings,
    progress,
    projects,
    two_factor,
)
from portal.domain import organisations as rules
from portal.domain.audit import write_anchor
from portal.domain.mail import set_mail_preferences
from portal.domain.throttle import forget_old_failures
from portal.errors import Refused
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Meeting,
    MeetingInvitee,
    Membership,
    Notification,
    NotificationPreference,
    Organisation,
    OutboxMessage,
    User,
    commune_today,
)
from portal.models import ProjectStatus as S
from portal.notifications import jobs
from portal.notifications.digest import send_digests
from portal.notifications.events import EVENTS, KINDS
from portal.notifications.inbox import notification_text
from portal.notifications.notify import notify
from portal.notifications.outbox import expire_sent, queue_mail
from portal.notifications.preferences import choosable_kinds
from portal.services import files
from portal.signed_links import sign
from tests.commitment_factories import co_funded_project, make_commitment
from tests.delivery_factories import make_contribution, make_facility
from tests.dispute_factories import make_dispute
from tests.factories import add_member, make_user
from tests.helpers import assert_constant_queries, count_queries
from tests.mail import link_in, mails_to
from tests.project_factories import make_project
from tests.walk import PDF


@pytest.fixture()
def people(session, app_context, cast):
    """The standard cast, plus an officer and a member of the association awaiting verification."""
    cast.users["pending_officer"] = make_user("pending-officer@test.org", "Responsable en attente")
    cast.users["pending_member"] = make_user("pending-member@test.org", "Membre en attente")
    add_member(cast.users["pending_officer"], cast.pending_association, "officer")
    add_member(cast.users["pending_member"], cast.pending_association, "member")
    cast.deputy_membership = rules.membership_of(cast.users["deputy"], cast.commune_org)
    session.commit()
    return cast


def told(cast, session) -> dict[str, set[str]]:
    """Who was told what: {cast key or "address:<email>": {"<event>:in_app" | "<event>:mail"}}."""
    key_of_id = {user.id: key for key, user in cast.users.items()}
    key_of_email = {user.email: key for key, user in cast.users.items()}
    result: dict[str, set[str]] = {}
    for notification in session.scalars(select(Notification)):
        result.setdefault(key_of_id.get(notification.user_id, f"user:{notification.user_id}"), set()).add(
            f"{notification.event}:in_app"
        )
    for mail in session.scalars(select(OutboxMessage)):
        result.setdefault(key_of_email.get(mail.to_email, f"address:{mail.to_email}"), set()).add(f"{mail.event}:mail")
    return result


def both(event: str) -> set[str]:
    return {f"{event}:in_app", f"{event}:mail"}


def a_meeting(c, hours: float = -2, with_minutes: bool = False) -> Meeting:
    """A meeting of commune A's organisation, inviting association A and the partner, built without notices."""
    meeting = Meeting(
        uid=f"test-{utcnow().timestamp()}",
        title="Concertation",
        commune_id=c.commune_a.id,
        organiser_id=c.commune_org.id,
        starts_at=utcnow() + timedelta(hours=hours),
        timezone="Africa/Bamako",
        duration_minutes=60,
        location="Mairie",
        invitees=[MeetingInvitee(organisation_id=c.association.id), MeetingInvitee(organisation_id=c.partner.id)],
    )
    meeting.organiser = c.commune_org
    db.session.add(meeting)
    db.session.flush()
    db.session.refresh(meeting)
    if with_minutes:  # posted by the mayor, its notices left out of the count
        meetings.post_minutes(c.users["mayor"], meeting, "Résumé.", ["Décision."], [c.association.id])
        db.session.query(Notification).delete()
        db.session.query(OutboxMessage).delete()
    return meeting


# Meetings: every acting member of the invited organisations (the partner's observer left out) and the
# organiser's officials; the actor is not told.
MEETING_TOLD = ("officer", "member", "representative", "deputy")


def meeting_scenario(event: str, extra: tuple = ()) -> dict:
    return {key: both(event) for key in (*MEETING_TOLD, *extra)}


# The matrix: each operation, and who gets what (in-app, mail); everyone else gets nothing. The actor is never
# told of their own action, except for a hand-over, which changes their own rights.
SCENARIOS = {
    "association verified": (
        lambda c: rules.verify_association(c.users["mediator"], c.pending_association),
        {"pending_officer": both("association_verified")},
    ),
    "association refused": (
        lambda c: rules.refuse_association(c.users["mediator"], c.pending_association, "Statuts manquants."),
        {"pending_officer": both("association_refused")},
    ),
    "membership added by an admin": (
        lambda c: rules.add_membership(c.association, c.users["nobody"], "member", actor=c.users["admin"]),
        {"nobody": both("membership_added"), "officer": both("membership_added")},
    ),
    "a mediator adds a commune clerk": (
        lambda c: rules.add_membership(c.commune_org, c.users["nobody"], "clerk", actor=c.users["mediator"]),
        {"nobody": both("membership_added"), "mayor": both("membership_added")},
    ),
    "invitation accepted by an existing account": (
        lambda c: accounts.accept_invitation(
            accounts.invite(c.users["officer"], c.association, c.users["nobody"].email, "member"), c.users["nobody"]
        ),
        {"nobody": {"invitation:mail"}, "officer": both("membership_added")},
    ),
    "invitation to an address without an account": (
        lambda c: accounts.invite(c.users["officer"], c.association, "Nouvelle@Test.org", "member"),
        {"address:nouvelle@test.org": {"invitation:mail"}},
    ),
    "role changed": (
        lambda c: rules.change_role(c.users["officer"], c.member_membership, "officer"),
        {"member": both("membership_role_changed")},
    ),
    "member removed": (
        lambda c: rules.remove_member(c.users["officer"], c.member_membership),
        {"member": both("membership_removed")},
    ),
    "member left": (
        lambda c: rules.leave(c.users["member"], c.member_membership),
        {"officer": both("membership_left")},
    ),
    "officer hands over": (
        lambda c: rules.hand_over(c.users["officer"], c.association, c.member_membership),
        {"member": both("membership_handed_over"), "officer": both("membership_handed_over")},
    ),
    "mayor hands over": (
        lambda c: rules.hand_over(c.users["mayor"], c.commune_org, c.deputy_membership),
        {"deputy": both("membership_handed_over"), "mayor": both("membership_handed_over")},
    ),
    "account confirmation": (
        lambda c: accounts.send_confirmation(c.users["member"]),
        {"member": {"account_confirmation:mail"}},
    ),
    "password reset": (
        lambda c: accounts.request_password_reset(c.users["member"].email),
        {"member": {"password_reset:mail"}},
    ),
    "sign-up with an address that has an account": (
        lambda c: accounts.sign_up_association(
            name="Quelqu’un",
            email=c.users["member"].email,
            password="une phrase assez longue",
            locale="fr",
            association_name="Amicale",
            country="FR",
            city="Lyon",
            registration_number=None,
            commune=c.commune_a,
            villages=None,
        ),
        {"member": {"address_taken:mail"}},
    ),
    "move to a new address, confirmed": (
        lambda c: _address_moved(c.users["member"]),
        {"member": {"email_change:mail"}, "address:member@test.org": {"email_changed:mail"}},
    ),
    "change of address": (
        lambda c: accounts.change_email(c.users["member"], "correct horse battery", "Nouvelle@Test.org"),
        {"address:nouvelle@test.org": {"email_change:mail"}},
    ),
    "password reset for an address without an account": (
        lambda c: accounts.request_password_reset("Personne@Test.org"),
        {"address:personne@test.org": {"password_reset_no_account:mail"}},
    ),
    # Projects: the commune's officials hear of what the association does, its officers of the answers.
    "project submitted": (
        lambda c: projects.transition(c.users["officer"], make_project(c.association, c.commune_a, S.DRAFT), "submit"),
        {"mayor": both("project_submit"), "deputy": both("project_submit")},
    ),
    "project withdrawn": (
        lambda c: projects.transition(
            c.users["officer"], make_project(c.association, c.commune_a, S.SUBMITTED), "withdraw"
        ),
        {"mayor": both("project_withdraw"), "deputy": both("project_withdraw")},
    ),
    "project review started": (
        lambda c: projects.transition(
            c.users["mayor"], make_project(c.association, c.commune_a, S.SUBMITTED), "start_review"
        ),
        {"officer": both("project_start_review")},
    ),
    "project changes requested": (
        lambda c: projects.transition(
            c.users["mayor"], make_project(c.association, c.commune_a, S.UNDER_REVIEW), "request_changes", "Devis ?"
        ),
        {"officer": both("project_request_changes")},
    ),
    "consultation opened by a mediator": (
        lambda c: projects.transition(
            c.users["mediator"], make_project(c.association, c.commune_a, S.UNDER_REVIEW), "open_consultation"
        ),
        {
            "officer": both("project_open_consultation"),
            "mayor": both("project_open_consultation"),
            "deputy": both("project_open_consultation"),
        },
    ),
    "project agreed": (
        lambda c: projects.transition(
            c.users["mayor"], make_project(c.association, c.commune_a, S.IN_CONSULTATION), "agree"
        ),
        {"officer": both("project_agree")},
    ),
    "project declined": (
        lambda c: projects.transition(
            c.users["deputy"], make_project(c.association, c.commune_a, S.IN_CONSULTATION), "decline", "Non."
        ),
        {"officer": both("project_decline")},
    ),
    "works started": (
        lambda c: projects.transition(
            c.users["mayor"], make_project(c.association, c.commune_a, S.AGREED), "start_implementation"
        ),
        {"officer": both("project_start_implementation")},
    ),
    "project completed": (
        lambda c: projects.transition(
            c.users["mayor"], make_project(c.association, c.commune_a, S.IN_PROGRESS), "complete"
        ),
        {"officer": both("project_complete")},
    ),
    "project handed over": (
        lambda c: projects.transition(
            c.users["mayor"],
            make_project(c.association, c.commune_a, S.COMPLETED),
            "hand_over",
            owner_organisation_id=c.commune_org.id,
            maintenance_plan="La mairie.",
        ),
        {"officer": both("project_hand_over")},
    ),
    "a mayor writes in a project's discussion": (
        lambda c: projects.add_comment(
            c.users["mayor"], make_project(c.association, c.commune_a, S.SUBMITTED), "Quand venez-vous ?"
        ),
        {"officer": both("project_comment"), "deputy": both("project_comment")},
    ),
    "an unanswered project goes to the mediators": (
        lambda c: (
            setattr(
                make_project(c.association, c.commune_a, S.SUBMITTED), "submitted_at", utcnow() - timedelta(days=40)
            ),
            projects.escalate_unanswered(),
        ),
        {"mediator": both("project_escalated")},
    ),
    "a mayor schedules a meeting": (
        lambda c: meetings.schedule_meeting(
            c.users["mayor"],
            meetings.MeetingInput(
                title="Concertation",
                commune_id=c.commune_a.id,
                project_ids=[],
                starts_at=datetime(2030, 1, 10, 10, 0),
                timezone="Africa/Bamako",
                duration_minutes=60,
                location="Mairie",
                invitee_organisation_ids=[c.association.id, c.partner.id],
            ),
        ),
        meeting_scenario("meeting_invited"),
    ),
    "a mayor reschedules a meeting": (
        lambda c: meetings.reschedule_meeting(
            c.users["mayor"], a_meeting(c, 30), meetings.MeetingInput(location="École", given={"location"}), 1
        ),
        meeting_scenario("meeting_rescheduled"),
    ),
    "a mayor cancels a meeting": (
        lambda c: meetings.cancel_meeting(c.users["mayor"], a_meeting(c, 30), "Pluies."),
        meeting_scenario("meeting_cancelled"),
    ),
    "a meeting is reminded": (
        lambda c: (a_meeting(c, 30), meetings.send_reminders()),
        meeting_scenario("meeting_reminder", ("mayor",)),
    ),
    "a mayor posts minutes": (
        lambda c: meetings.post_minutes(c.users["mayor"], a_meeting(c), "Résumé.", [], [c.association.id]),
        meeting_scenario("meeting_minutes_posted"),
    ),
    "an attending association approves the minutes": (
        lambda c: meetings.answer_minutes(c.users["officer"], a_meeting(c, with_minutes=True), "approved"),
        {"mayor": both("meeting_minutes_answered"), "deputy": both("meeting_minutes_answered")},
    ),
    # Commitments: the promising organisation's members (not observers), the other parties' managers.
    "a mayor records a commitment of the association": (
        lambda c: commitments.record_commitment(
            c.users["mayor"],
            co_funded_project(c),
            {
                "organisation_id": c.association.id,
                "kind": "technical",
                "description": "Plans",
                "due_date": "2027-01-05",
            },
        ),
        {k: both("commitment_recorded") for k in ("officer", "member", "deputy", "representative")},
    ),
    "the association reports its commitment fulfilled": (
        lambda c: commitments.transition(
            c.users["officer"], make_commitment(co_funded_project(c), c.association), "report_fulfilled"
        ),
        {k: both("commitment_report_fulfilled") for k in ("mayor", "deputy", "representative")},
    ),
    "the commune confirms": (
        lambda c: commitments.transition(
            c.users["mayor"], make_commitment(co_funded_project(c), c.association, "fulfilled"), "confirm"
        ),
        {k: both("commitment_confirm") for k in ("officer", "member")},
    ),
    "the commune contests": (
        lambda c: commitments.transition(
            c.users["mayor"], make_commitment(co_funded_project(c), c.association, "fulfilled"), "contest", "Non reçu"
        ),
        {k: both("commitment_contest") for k in ("officer", "member")},
    ),
    "a mediator cancels": (
        lambda c: commitments.transition(
            c.users["mediator"], make_commitment(co_funded_project(c), c.association), "cancel", "Doublon"
        ),
        {k: both("commitment_cancel") for k in ("officer", "member", "mayor", "deputy", "representative")},
    ),
    "a commitment falls due soon": (
        lambda c: (make_commitment(co_funded_project(c), c.association, due_in_days=3), commitments.send_reminders()),
        {k: both("commitment_due_soon") for k in ("officer", "member")},
    ),
    "a commitment is overdue": (
        lambda c: (make_commitment(co_funded_project(c), c.association, due_in_days=-2), commitments.send_reminders()),
        {k: both("commitment_overdue") for k in ("officer", "member", "mayor", "deputy", "representative")},
    ),
    "a commitment overdue too long goes to the mediators": (
        lambda c: (
            make_commitment(co_funded_project(c), c.association, due_in_days=-40, overdue_reminder_sent_at=utcnow()),
            commitments.escalate_overdue(),
        ),
        {"mediator": both("commitment_escalated")},
    ),
    "a partner confirms its funding line": (
        lambda c: commitments.confirm_funding_line(
            c.users["representative"], (p := co_funded_project(c)), p.funding_lines[1].id
        ),
        {k: both("funding_line_confirmed") for k in ("officer", "mayor", "deputy")},
    ),
    "an association resubmits its project with the changes asked for": (
        lambda c: projects.transition(
            c.users["officer"], make_project(c.association, c.commune_a, S.CHANGES_REQUESTED), "submit"
        ),
        {"mayor": both("project_resubmit"), "deputy": both("project_resubmit")},
    ),
    "an association changes its submitted project before the review": (
        lambda c: projects.update_project(
            c.users["officer"],
            (p := make_project(c.association, c.commune_a, S.SUBMITTED)),
            projects.ProjectInput(title="Puits de Kaarta, devis complet", given={"title"}),
            p.version,
        ),
        {"mayor": both("project_edit_submitted"), "deputy": both("project_edit_submitted")},
    ),
    "a submitted plan naming a partner asks it to confirm": (
        lambda c: projects.transition(c.users["officer"], co_funded_project(c, S.DRAFT), "submit"),
        {
            "mayor": both("project_submit"),
            "deputy": both("project_submit"),
            "representative": both("funding_line_to_confirm"),
        },
    ),
    # Two-factor authentication: the owner is told by mail, whatever their preferences.
    "two-factor turned on": (
        lambda c: _two_factor_on(c.users["member"]),
        {"member": {"two_factor_enabled:mail"}},
    ),
    "wrong two-factor codes past the account's budget": (
        lambda c: _codes_guessed(c.users["member"]),
        {"member": {"two_factor_enabled:mail", "two_factor_codes_guessed:mail"}},
    ),
    "two-factor turned off": (
        lambda c: two_factor.disable(c.users["member"], "correct horse battery", _two_factor_on(c.users["member"])[0]),
        {"member": {"two_factor_enabled:mail", "two_factor_disabled:mail"}},
    ),
}

# Disputes (association A against the partner, on a project whose parties include commune A): the acting
# members of the two parties and the mediators, never the commune's officials (not parties to this dispute),
# the partner's observer or the admin.
DISPUTE_PARTIES = ("officer", "member", "representative")


def dispute_told(event: str, *keys: str) -> dict:
    return {key: both(event) for key in keys}


def _dispute_act(c, status, actor, action, comment=None, **fields):
    return disputes.transition(c.users[actor], make_dispute(c, status, **fields), action, comment)


SCENARIOS |= {
    "an association opens a dispute against the partner": (
        lambda c: disputes.open_dispute(
            c.users["officer"],
            co_funded_project(c),
            {"respondent_organisation_id": c.partner.id, "subject": "Tranche", "description": "Non versée."},
        ),
        dispute_told("dispute_opened", "member", "representative", "mediator"),
    ),
    "an admin assigns the mediator": (
        lambda c: disputes.transition(c.users["admin"], make_dispute(c), "assign", mediator_id=c.users["mediator"].id),
        dispute_told("dispute_assign", *DISPUTE_PARTIES, "mediator"),
    ),
    "a mediator acknowledges a dispute": (
        lambda c: _dispute_act(c, "open", "mediator", "acknowledge"),
        dispute_told("dispute_acknowledge", *DISPUTE_PARTIES),
    ),
    "a mediator starts the mediation": (
        lambda c: _dispute_act(c, "acknowledged", "mediator", "start_mediation"),
        dispute_told("dispute_start_mediation", *DISPUTE_PARTIES),
    ),
    "a mediator records the settlement": (
        lambda c: _dispute_act(c, "in_mediation", "mediator", "resolve", "Versement sous 30 jours."),
        dispute_told("dispute_resolve", *DISPUTE_PARTIES),
    ),
    "a mediator dismisses a dispute": (
        lambda c: _dispute_act(c, "open", "mediator", "dismiss", "Hors du champ du projet."),
        dispute_told("dispute_dismiss", *DISPUTE_PARTIES),
    ),
    "a mediator closes a dispute": (
        lambda c: _dispute_act(c, "resolved", "mediator", "close", settlement="Accord."),
        dispute_told("dispute_close", *DISPUTE_PARTIES),
    ),
    "the partner accepts the settlement": (
        lambda c: _dispute_act(c, "resolved", "representative", "accept", settlement="Accord."),
        dispute_told("dispute_accept", "officer", "member", "mediator"),
    ),
    "the association objects to the settlement": (
        lambda c: _dispute_act(c, "resolved", "officer", "object", "Le délai est trop long.", settlement="Accord."),
        dispute_told("dispute_object", "member", "representative", "mediator"),
    ),
    "the association appeals a closed dispute": (
        lambda c: _dispute_act(c, "closed", "officer", "appeal", "Rien n'a été versé.", closed_at=utcnow()),
        dispute_told("dispute_appeal", "member", "representative", "mediator"),
    ),
    "the partner writes in the dispute's thread": (
        lambda c: disputes.post_message(c.users["representative"], make_dispute(c), "Le virement part lundi."),
        dispute_told("dispute_message", "officer", "member", "mediator"),
    ),
    "a mediator's private note tells nobody": (
        lambda c: disputes.post_message(c.users["mediator"], make_dispute(c), "Appeler le maire.", private=True),
        {},
    ),
    "a dispute left unacknowledged and unresolved past its deadlines": (
        lambda c: (make_dispute(c, opened_at=utcnow() - timedelta(days=61)), disputes.remind_overdue()),
        {"mediator": both("dispute_acknowledge_overdue") | both("dispute_resolution_overdue")},
    ),
}


SCENARIOS |= {
    # After agreement (helper-after): contributions go to the receiving side (the commune's officials) and back to
    # the paying side (the association's acting members); a facility's check to the association's officers and
    # the commune's officials; its yearly reminder to the owner's acting members.
    "the association reports a tranche paid": (
        lambda c: contributions.report_contribution(
            c.users["officer"],
            (p := co_funded_project(c)),
            {"funding_line_id": p.funding_lines[0].id, "paid_on": "2026-06-01", "amount": "1000", "currency": "XOF"},
        ),
        {k: both("contribution_report") for k in ("mayor", "deputy")},
    ),
    "the commune confirms a tranche": (
        lambda c: contributions.transition(
            c.users["mayor"], make_contribution(co_funded_project(c), 0, 1000), "confirm"
        ),
        {k: both("contribution_confirm") for k in ("officer", "member")},
    ),
    "the commune contests a tranche": (
        lambda c: contributions.transition(
            c.users["mayor"], make_contribution(co_funded_project(c), 0, 1000), "contest", "Non reçu"
        ),
        {k: both("contribution_contest") for k in ("officer", "member")},
    ),
    "the association reports a contested tranche again": (
        lambda c: contributions.transition(
            c.users["member"], make_contribution(co_funded_project(c), 0, 1000, status="contested"), "report_again"
        ),
        {k: both("contribution_report_again") for k in ("mayor", "deputy")},
    ),
    "the owner records the facility's yearly check": (
        lambda c: facilities.record_check(
            c.users["mayor"], make_facility(c.association, c.commune_a, c.commune_org), "working", ""
        ),
        {k: both("facility_checked") for k in ("officer", "deputy")},
    ),
    "an overdue yearly check is reminded to the owner": (
        lambda c: (
            make_facility(c.association, c.commune_a, c.commune_org, handed_over_days_ago=400),
            facilities.send_check_reminders(),
        ),
        {k: both("facility_check_due") for k in ("mayor", "deputy")},
    ),
    "the commune reports progress": (
        lambda c: progress.post_report(c.users["mayor"], co_funded_project(c, S.IN_PROGRESS), 40, {}, ""),
        {"officer": both("progress_report_posted")},
    ),
    "the association comments a progress report": (
        lambda c: progress.comment_report(
            c.users["officer"],
            (p := co_funded_project(c, S.IN_PROGRESS)),
            progress.post_report(c.users["deputy"], p, 40, {}, ""),
            "La pompe ?",
        ),
        {
            "officer": both("progress_report_posted"),
            "mayor": both("progress_report_commented"),
            "deputy": both("progress_report_commented"),
        },
    ),
    "the association proposes an amendment": (
        lambda c: amendments.propose(
            c.users["officer"],
            (p := co_funded_project(c, S.IN_PROGRESS)),
            {},
            {p.funding_lines[0].id: "700000"},
            "Plus.",
            None,
        ),
        {k: both("amendment_proposed") for k in ("mayor", "deputy")},
    ),
    "the commune accepts an amendment": (
        lambda c: amendments.decide(
            c.users["mayor"],
            amendments.propose(
                c.users["officer"],
                (p := co_funded_project(c, S.IN_PROGRESS)),
                {},
                {p.funding_lines[0].id: "700000"},
                "Plus.",
                None,
            ),
            "accept",
        ),
        {
            "deputy": both("amendment_proposed") | both("amendment_accept"),
            "mayor": both("amendment_proposed"),
            "officer": both("amendment_accept"),
        },
    ),
    "the commune rejects an amendment": (
        lambda c: amendments.decide(
            c.users["mayor"],
            amendments.propose(
                c.users["officer"],
                (p := co_funded_project(c, S.IN_PROGRESS)),
                {},
                {p.funding_lines[0].id: "700000"},
                "Plus.",
                None,
            ),
            "reject",
            "Non.",
        ),
        {
            "deputy": both("amendment_proposed") | both("amendment_reject"),
            "mayor": both("amendment_proposed"),
            "officer": both("amendment_reject"),
        },
    ),
    "the commune records the acceptance of the works": (
        lambda c: acceptance.record_acceptance(
            c.users["mayor"],
            co_funded_project(c, S.COMPLETED),
            "provisional",
            "2026-09-01",
            "Tous",
            io.BytesIO(PDF),
            "pv.pdf",
        ),
        {k: both("works_accepted") for k in ("officer", "deputy")},
    ),
    "the association uploads the signed convention": (
        lambda c: convention.upload_signed(c.users["officer"], co_funded_project(c), io.BytesIO(PDF), "convention.pdf"),
        {k: both("convention_signed") for k in ("mayor", "deputy")},
    ),
    "a late progress report is reminded, then flagged": (
        lambda c: (
            progress.start_reporting(p := co_funded_project(c, S.IN_PROGRESS), 1),
            setattr(progress.reporting_of(p), "next_due_on", commune_today() - timedelta(days=45)),
            progress.remind_late_reports(),
        ),
        {
            "mayor": both("progress_report_due"),
            "deputy": both("progress_report_due"),
            "mediator": both("progress_report_missing"),
        },
    ),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_each_event_reaches_exactly_its_recipients(people, session, scenario):
    operation, expected = SCENARIOS[scenario]
    operation(people)
    assert told(people, session) == expected


def test_every_event_of_the_table_has_a_row_in_the_matrix():
    covered = {
        told.split(":")[0] for _op, expected in SCENARIOS.values() for items in expected.values() for told in items
    }
    assert covered == set(EVENTS)


def test_the_table_is_consistent_and_every_mail_has_its_templates(app):
    for event in EVENTS.values():
        event.check()
        assert (event.kind is None) == event.security
        if any(audience.mail for audience in event.audiences):
            app.jinja_env.get_template(f"emails/{event.name}.txt")
            app.jinja_env.get_template(f"emails/{event.name}.html")
    assert (
        set(choosable_kinds())
        == set(KINDS)
        == {
            "organisation",
            "membership",
            "projects",
            "escalations",
            "meetings",
            "commitments",
            "disputes",
        }
    )


def test_an_unknown_event_is_refused(app_context):
    with pytest.raises(LookupError, match="unknown event"):
        notify("project_exploded")


def test_notify_only_flushes(people, session):
    rules.leave(people.users["member"], people.member_membership)
    assert session().in_transaction() and session.scalar(select(func.count()).select_from(Notification)) == 1


def test_the_in_app_text_is_rendered_in_the_viewers_language_with_its_stored_params(people, session, app):
    rules.hand_over(people.users["officer"], people.association, people.member_membership)
    by_audience = {n.audience: n for n in session.scalars(select(Notification))}
    successor, former = by_audience["successor"], by_audience["former_manager"]
    assert successor.user_id == people.users["member"].id and former.user_id == people.users["officer"].id
    assert successor.link == f"/organisations/{people.association.id}" and successor.read_at is None
    assert successor.params == {
        "organisation": "Association des ressortissants de Diéma",
        "successor": "Membre",
        "former_manager": "Responsable",
        "role": "officer",
        "former_manager_role": "member",
    }
    with force_locale("en"):
        assert notification_text(successor) == (
            "Responsable handed the role of Officer of Association des ressortissants de Diéma over to you."
        )
        assert notification_text(former) == (
            "You handed the role of Officer of Association des ressortissants de Diéma over to Membre; "
            "your role is now Member."
        )
    with force_locale("fr"):
        in_french = notification_text(former)
    assert "Responsable" in in_french and "Officer" not in in_french  # the role's label, in French


def test_the_commune_speaks_as_the_commune_under_its_usual_name(people, session, app):
    """Issue 14: "Diema examine …" read as a person's name and the data's spelling; the commune is named as such."""
    project = make_project(people.association, people.commune_a, S.SUBMITTED, title="Puits")
    projects.transition(people.users["mayor"], project, "start_review")
    told = session.scalars(select(Notification).where(Notification.user_id == people.users["officer"].id)).all()
    with force_locale("fr"):
        assert [notification_text(n) for n in told] == ["La commune de Diéma examine « Puits »."]
    with force_locale("en"):
        assert [notification_text(n) for n in told] == ["Diéma is reviewing “Puits”."]


# Issue 21, bug 4: "était à tenir le 2026-10-28", "5000.00 EUR" in the inbox and the digest.
NOTICE_WORDS = {
    "fr": ("28 oct. 2026", "5\u00a0000,00\u00a0€", "Bonjour"),
    "en": ("Oct 28, 2026", "€5,000.00", "Hello"),
}


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_notices_write_days_and_amounts_as_their_reader_reads_them(people, session, app, locale):
    """The inbox, the mails and the daily digest write a day and an amount as the pages do, in the reader's
    language: never the stored "2026-10-28" nor "5000.00 EUR"."""
    day, amount, hello = NOTICE_WORDS[locale]
    officer, mayor = people.users["officer"], people.users["mayor"]
    for user in (officer, mayor):
        user.locale = locale
    set_mail_preferences(officer, {"commitments": "digest"})
    project = co_funded_project(people)
    commitment = make_commitment(project, people.association, due_in_days=-2)
    commitment.due_date = datetime(2026, 10, 28).date()
    notify("commitment_overdue", commitment=commitment, actor=None)
    contributions.report_contribution(
        officer,
        project,
        {"funding_line_id": project.funding_lines[0].id, "paid_on": "2026-06-01", "amount": "5000", "currency": "EUR"},
    )
    session.flush()

    def inbox(user):
        with force_locale(locale):
            return " | ".join(
                notification_text(n)
                for n in session.scalars(select(Notification).where(Notification.user_id == user.id))
            )

    assert day in inbox(officer) and "2026-10-28" not in inbox(officer)
    assert amount in inbox(mayor) and "5000.00" not in inbox(mayor) and day in inbox(mayor)
    [report_mail] = [m for m in mails_to(mayor.email) if m.event == "contribution_report"]
    assert amount in report_mail.body_text and amount in report_mail.body_html
    assert send_digests(datetime(2026, 11, 2, 6, 0, tzinfo=UTC)) >= 1
    [digest] = [m for m in mails_to(officer.email) if m.event == "digest"]
    assert digest.body_text.startswith(hello) and day in digest.body_text and day in digest.body_html
    assert "2026-10-28" not in digest.body_text


def test_a_notification_whose_text_no_longer_fits_still_shows_something(people, session, app):
    user = people.users["member"]
    session.add(Notification(user_id=user.id, event="gone_event", audience="x", params={}, mail="none"))
    session.add(Notification(user_id=user.id, event="membership_left", audience="managers", params={}, mail="none"))
    session.flush()
    with force_locale("en"):
        texts = {notification_text(n) for n in session.scalars(select(Notification))}
    assert texts == {"A change on the portal concerns you."}


def test_a_disabled_account_is_not_told_but_still_gets_security_mail(people, session):
    member = people.users["member"]
    member.disabled_at = utcnow()
    rules.change_role(people.users["officer"], people.member_membership, "officer")
    accounts.send_confirmation(member)
    assert told(people, session) == {"member": {"account_confirmation:mail"}}


# Mails of the membership events ----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_membership_mails_speak_the_recipients_language_link_to_the_record_and_to_the_preferences(
    people, session, app, locale, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://portail.example.org")
    for user in people.users.values():
        user.locale = locale
    people.users["member"].name = "Awa <b>Traoré</b>"
    people.association.name = "Ressortissants & <Amis>"
    session.flush()
    rules.add_membership(people.association, people.users["nobody"], "member", actor=people.users["admin"])
    rules.change_role(people.users["officer"], people.member_membership, "officer")
    rules.hand_over(people.users["mayor"], people.commune_org, people.deputy_membership)
    rules.remove_member(people.users["officer"], people.member_membership)
    rules.leave(people.users["nobody"], rules.membership_of(people.users["nobody"], people.association))
    mails = list(session.scalars(select(OutboxMessage)))
    assert {m.event for m in mails} == {
        "membership_added",
        "membership_role_changed",
        "membership_handed_over",
        "membership_removed",
        "membership_left",
    }
    hello = {"fr": "Bonjour", "en": "Hello"}[locale]
    for mail in mails:
        assert mail.locale == locale and mail.subject and "\n" not in mail.subject
        assert mail.body_text.startswith(hello)
        assert re.search(r"https://portail\.example\.org/organisations/\d+\n", mail.body_text), mail.body_text
        assert "https://portail.example.org/notifications/preferences" in mail.body_text
        assert 'href="https://portail.example.org/notifications/preferences"' in mail.body_html
        assert f'<html lang="{locale}">' in mail.body_html
        assert "<b>" not in mail.body_html and "<Amis>" not in mail.body_html
    if locale == "en":
        subjects = {m.to_email: m.subject for m in mails}
        assert subjects["deputy@test.org"] == "You are now Mayor of Diéma"
        assert subjects["mayor@test.org"] == "You handed over the role of Mayor of Diéma"
        role_changed = next(m for m in mails if m.event == "membership_role_changed")
        assert "you were Member, you are now Officer." in role_changed.body_text


# Preferences -----------------------------------------------------------------------------------------------


def test_digest_mode_keeps_the_mail_for_the_daily_digest(people, session):
    officer = people.users["officer"]
    set_mail_preferences(officer, {"membership": "digest"})
    rules.leave(people.users["member"], people.member_membership)
    [notification] = session.scalars(select(Notification).where(Notification.user_id == officer.id)).all()
    assert (notification.mail, notification.emailed_at) == ("digest", None)
    assert mails_to(officer.email) == []

    now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    assert send_digests(now) == 1
    [digest] = mails_to(officer.email)
    assert digest.event == "digest" and digest.locale == "fr" and digest.body_text.startswith("Bonjour Responsable,")
    assert "Membre" in digest.body_text and f"/organisations/{people.association.id}" in digest.body_text
    assert notification.emailed_at == now
    assert send_digests() == 0  # each item goes out once


def test_none_mode_sends_no_mail_and_no_digest_but_keeps_the_inbox(people, session):
    officer = people.users["officer"]
    set_mail_preferences(officer, {"membership": "none"})
    rules.leave(people.users["member"], people.member_membership)
    [notification] = session.scalars(select(Notification).where(Notification.user_id == officer.id)).all()
    assert notification.mail == "none"
    assert send_digests() == 0
    assert mails_to(officer.email) == []


def test_preferences_are_per_kind(people, session):
    officer = people.users["pending_officer"]
    set_mail_preferences(officer, {"organisation": "none", "membership": "immediate"})
    rules.verify_association(people.users["mediator"], people.pending_association)
    rules.add_membership(people.pending_association, people.users["nobody"], "member", actor=people.users["admin"])
    assert [m.event for m in mails_to(officer.email)] == ["membership_added"]
    assert {n.event for n in session.scalars(select(Notification).where(Notification.user_id == officer.id))} == {
        "association_verified",
        "membership_added",
    }


def test_account_and_security_mails_always_go(people, session):
    member = people.users["member"]
    set_mail_preferences(member, dict.fromkeys(choosable_kinds(member), "none"))
    accounts.request_password_reset(member.email)
    accounts.send_confirmation(member)
    accounts.invite(people.users["mediator"], people.commune_org_b, member.email, "clerk")
    rules.change_role(people.users["officer"], people.member_membership, "officer")  # a kind set to none
    assert [m.event for m in mails_to(member.email)] == ["password_reset", "account_confirmation", "invitation"]


def test_preferences_refuse_unknown_kinds_and_modes(people, app):
    from portal.errors import Refused

    with app.test_request_context("/"), pytest.raises(Refused) as refused:
        set_mail_preferences(people.users["member"], {"membership": "sometimes", "password": "none"})
    assert set(refused.value.fields) == {"membership", "password"}


def test_the_preference_page_shows_a_labelled_select_per_kind(client, login_as, session):
    member = login_as("member")
    html = client.get("/notifications/preferences").get_data(as_text=True)
    names = re.findall(r'<select id="([^"]+)" name="\1"', html)
    assert (
        names
        == [f"kind_{kind}" for kind in choosable_kinds(member)]
        == [
            "kind_organisation",
            "kind_membership",
            "kind_projects",
            "kind_meetings",
            "kind_commitments",
            "kind_disputes",
        ]
    )
    for name in names:
        assert f'<label for="{name}">' in html
    assert html.count('<option selected value="immediate">') == len(names)
    assert "password" not in " ".join(names)


def test_the_preference_page_saves_the_choices(client, login_as, session):
    member = login_as("member")
    response = client.post(
        "/notifications/preferences",
        data={
            "kind_membership": "digest",
            "kind_organisation": "none",
            "kind_projects": "digest",
            "kind_meetings": "none",
        },
    )
    assert response.status_code == 303 and response.location.endswith("/notifications/preferences")
    stored = dict(
        session.execute(
            select(NotificationPreference.kind, NotificationPreference.mode).where(
                NotificationPreference.user_id == member.id
            )
        ).all()
    )
    assert stored == {
        "membership": "digest",
        "organisation": "none",
        "projects": "digest",
        "meetings": "none",
        "commitments": "immediate",
        "disputes": "immediate",
    }
    assert "kind_escalations" not in client.get("/notifications/preferences").get_data(as_text=True)
    html = client.get("/notifications/preferences").get_data(as_text=True)
    assert '<option selected value="digest">' in html and '<option selected value="none">' in html
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "user.notification_preferences"))


def test_a_wrong_choice_is_refused_next_to_its_field_and_the_rest_is_kept(client, login_as, session):
    login_as("member")
    response = client.post(
        "/notifications/preferences", data={"kind_membership": "sometimes", "kind_organisation": "digest"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and 'id="kind_membership-error"' in html
    assert '<option selected value="digest">' in html  # what the user chose for the other kind
    assert session.scalar(select(func.count()).select_from(NotificationPreference)) == 0


def test_the_preference_page_needs_its_csrf_token(csrf_app, session, cast):
    from tests.factories import sign_in

    client = csrf_app.test_client()
    sign_in(client, cast.users["member"])
    refused = client.post("/notifications/preferences", data={"kind_membership": "digest"})
    assert refused.status_code == 400
    html = client.get("/notifications/preferences").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        "/notifications/preferences",
        data={"kind_membership": "digest", "kind_organisation": "immediate", "csrf_token": token},
    )
    assert response.status_code == 303


# The digest ------------------------------------------------------------------------------------------------


def test_the_digest_command_sends_each_user_one_mail_in_their_language(people, session, app):
    officer, mayor = people.users["officer"], people.users["mayor"]
    mayor.locale = "en"
    set_mail_preferences(officer, {"membership": "digest"})
    set_mail_preferences(mayor, {"membership": "digest"})
    admin = people.users["admin"]
    for name in ("Awa", "Binta"):
        notify("membership_left", actor=admin, organisation=people.association, member=make_user(name=name))
    rules.add_membership(people.commune_org, people.users["nobody"], "clerk", actor=admin)
    session.commit()

    result = app.test_cli_runner().invoke(args=["notifications", "digest"])
    assert result.exit_code == 0, result.output
    assert "Digests queued: 2." in result.output
    [to_officer] = mails_to(officer.email)
    [to_mayor] = mails_to(mayor.email, "digest")
    assert to_officer.locale == "fr" and to_officer.subject.startswith("2 ")
    assert to_officer.body_text.index("Binta") < to_officer.body_text.index("Awa")  # the newest first
    assert to_mayor.locale == "en"
    assert to_mayor.subject == "1 new notification on the commune–diaspora portal"
    assert "Sans organisation joined Diéma as Secretary general." in to_mayor.body_text
    assert link_in(to_mayor, "/organisations/") == f"/organisations/{people.commune_org.id}"
    assert "/notifications/preferences" in to_mayor.body_text and "/notifications/" in to_mayor.body_html
    assert [m.event for m in mails_to(people.users["nobody"].email)] == ["membership_added"]  # immediate

    again = app.test_cli_runner().invoke(args=["notifications", "digest"])
    assert "Digests queued: 0." in again.output


def test_a_long_digest_lists_the_newest_and_counts_the_rest(people, session):
    officer = people.users["officer"]
    officer.locale = "en"
    set_mail_preferences(officer, {"membership": "digest"})
    for n in range(53):
        notify("membership_left", organisation=people.association, member=make_user(name=f"Person {n:02d}"))
    assert send_digests() == 1
    [digest] = mails_to(officer.email)
    assert "Person 52" in digest.body_text and "Person 03" in digest.body_text and "Person 02" not in digest.body_text
    assert "… and 3 earlier notifications." in digest.body_text
    assert digest.subject == "53 new notifications on the commune–diaspora portal"


def test_the_digest_is_a_daily_job_of_the_outbox_worker(people, session, app, monkeypatch):
    officer = people.users["officer"]
    set_mail_preferences(officer, {"membership": "digest"})
    rules.leave(people.users["member"], people.member_membership)
    session.commit()
    monkeypatch.setitem(app.config, "RUN_SCHEDULED_JOBS", True)  # as in production
    [digest] = [job for job in scheduled_jobs(app) if job.name == "notifications_digest"]
    assert digest.every == timedelta(days=1)
    now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    assert jobs.run_due_jobs(app, [digest], now) == ["notifications_digest"]
    assert jobs.run_due_jobs(app, [digest], now + timedelta(hours=23)) == []
    assert [m.event for m in mails_to(officer.email)] == ["digest"]


def test_a_test_app_leaves_the_scheduled_jobs_to_its_tests_unless_told(app, monkeypatch):
    assert scheduled_jobs(app) == ()
    monkeypatch.setitem(app.config, "RUN_SCHEDULED_JOBS", True)
    assert scheduled_jobs(app) == SCHEDULED_JOBS
    assert [(job.name, job.every, job.func) for job in SCHEDULED_JOBS] == [
        ("notifications_digest", timedelta(days=1), send_digests),
        ("project_escalation", timedelta(hours=1), projects.escalate_unanswered),
        ("orphan_uploads", timedelta(hours=6), files.sweep_orphan_uploads),
        ("audit_anchor", timedelta(days=1), write_anchor),
        ("login_failures_sweep", timedelta(days=1), forget_old_failures),
        ("outbox_expiry", timedelta(days=1), expire_sent),
        ("meeting_reminders", timedelta(minutes=15), meetings.send_reminders),
        ("commitment_reminders", timedelta(hours=1), commitments.send_reminders),
        ("commitment_escalation", timedelta(hours=1), commitments.escalate_overdue),
        ("dispute_deadlines", timedelta(hours=1), disputes.remind_overdue),
        ("facility_check_reminders", timedelta(days=1), facilities.send_check_reminders),
        ("progress_report_reminders", timedelta(days=1), progress.remind_late_reports),
    ]


# The inbox -------------------------------------------------------------------------------------------------


def _first_organisation(session, user: User) -> int:
    return session.scalar(select(Membership.organisation_id).where(Membership.user_id == user.id).limit(1))


def add_notifications(session, user: User, count: int, start: int = 0, read: bool = False, link=None):
    """`count` notifications for `user`, committed, named Person <n> (zero-padded), the last one the newest; they
    link to the user's first organisation unless told otherwise (a record the user may see)."""
    now = utcnow()
    link = link or f"/organisations/{_first_organisation(session, user)}"
    session.execute(
        insert(Notification),
        [
            {
                "user_id": user.id,
                "event": "membership_left",
                "audience": "managers",
                "params": {"organisation": "Kayes Solidarité", "member": f"Person {n:04d}"},
                "link": link,
                "created_at": now,
                "read_at": now if read else None,
                "mail": "none",
            }
            for n in range(start, start + count)
        ],
    )
    session.commit()


def _ids(session, user) -> list[int]:
    return list(
        session.scalars(select(Notification.id).where(Notification.user_id == user.id).order_by(Notification.id))
    )


def test_the_inbox_lists_the_newest_first_20_a_page_and_marks_the_unread(client, login_as, session):
    member = login_as("member")
    add_notifications(session, member, 22, read=True)
    add_notifications(session, member, 3, start=22)
    page_one = client.get("/notifications/").get_data(as_text=True)
    people_listed = re.findall(r"Person (\d{4})", page_one)
    assert people_listed == [f"{n:04d}" for n in range(24, 4, -1)]
    unread_forms = re.findall(r'action="/notifications/(\d+)/read"', page_one)
    assert [int(i) for i in unread_forms] == _ids(session, member)[-3:][::-1]
    assert page_one.count("Nouveau") + page_one.count("New:") == 3
    own = f'href="/organisations/{_first_organisation(session, member)}"'
    assert page_one.count(own) == 17  # the read ones are plain links to their record
    assert 'href="/notifications/?page=2"' in page_one
    assert 'href="/notifications/preferences"' in page_one
    page_two = client.get("/notifications/?page=2").get_data(as_text=True)
    assert re.findall(r"Person (\d{4})", page_two) == ["0004", "0003", "0002", "0001", "0000"]


def test_opening_a_notification_marks_it_read_and_goes_to_its_record(client, login_as, session):
    member = login_as("member")
    partner = session.scalar(select(Organisation).where(Organisation.kind == "partner"))
    add_notifications(session, member, 2, link=f"/organisations/{partner.id}")
    first, second = _ids(session, member)
    response = client.post(f"/notifications/{first}/read")
    assert response.status_code == 303 and response.location == f"/organisations/{partner.id}"
    assert session.get(Notification, first).read_at is not None
    assert session.get(Notification, second).read_at is None
    read_at = session.get(Notification, first).read_at
    client.post(f"/notifications/{first}/read")  # again: still read, first reading kept
    session.expire_all()
    assert session.get(Notification, first).read_at == read_at


def test_a_link_that_leaves_the_site_is_never_followed(client, login_as, session):
    member = login_as("member")
    add_notifications(session, member, 1, link="//evil.example.com/")
    [only] = _ids(session, member)
    assert client.post(f"/notifications/{only}/read").location == "/notifications/"


def test_mark_all_read(client, login_as, session):
    member = login_as("member")
    add_notifications(session, member, 5)
    response = client.post("/notifications/read-all")
    assert response.status_code == 303 and response.location == "/notifications/"
    unread = select(func.count()).select_from(Notification).where(Notification.read_at.is_(None))
    assert session.scalar(unread) == 0


def test_someone_elses_notification_is_404(client, login_as, session, cast):
    add_notifications(session, cast.users["officer"], 1)
    [theirs] = _ids(session, cast.users["officer"])
    member = login_as("member")
    add_notifications(session, member, 1)
    [mine] = _ids(session, member)
    assert client.post(f"/notifications/{theirs}/read").status_code == 404
    assert session.get(Notification, theirs).read_at is None
    assert client.post("/notifications/read-all").status_code == 303
    session.expire_all()
    assert session.get(Notification, mine).read_at is not None  # read-all did its work…
    assert session.get(Notification, theirs).read_at is None  # …on the member's own notifications only


def test_the_header_shows_the_unread_count_with_an_accessible_label(client, login_as, session):
    member = login_as("member")
    member.locale = "en"
    session.commit()
    add_notifications(session, member, 2, read=True)
    add_notifications(session, member, 3)
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<a href="/notifications/" aria-label="Notifications: 3 unread">Notifications \(3\)</a>', html)
    client.post("/notifications/read-all")
    assert "Notifications (0)" in client.get("/").get_data(as_text=True)


def test_anonymous_visitors_have_no_notifications_link(client, session):
    assert 'href="/notifications/"' not in client.get("/").get_data(as_text=True)


def test_a_page_still_renders_when_the_unread_count_cannot_be_had(client, login_as, session, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from portal.notifications import inbox

    def broken(user_id):
        raise OperationalError("SELECT count(*)", {}, Exception("the database went away"))

    login_as("member")
    monkeypatch.setattr(inbox, "unread_count", broken)
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/notifications/">Notifications</a>' in html


def test_the_unread_count_costs_one_query_per_page(client, login_as, session):
    member = login_as("member")
    add_notifications(session, member, 3)
    with count_queries(client.application) as log:
        assert client.get("/notifications/").status_code == 200
    counts = [s for s in log.statements if "FROM notifications" in s and "count(" in s.lower()]
    assert len(counts) == 1, counts


def test_the_inbox_runs_as_many_queries_with_1000_notifications_as_with_10(client, login_as, session):
    member = login_as("member")
    added = []

    def add_rows(n):
        add_notifications(session, member, n, start=len(added))
        added.extend(range(n))

    # …and at most 6: the reader's memberships and one check that they may still see the records (issue 20).
    assert assert_constant_queries(client, "/notifications/", add_rows) <= 6


def test_the_inbox_buttons_need_their_csrf_token(csrf_app, session, cast):
    from tests.factories import sign_in

    client = csrf_app.test_client()
    sign_in(client, cast.users["member"])
    add_notifications(session, cast.users["member"], 1)
    [only] = _ids(session, cast.users["member"])
    assert client.post(f"/notifications/{only}/read").status_code == 400
    assert client.post("/notifications/read-all").status_code == 400
    html = client.get("/notifications/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post(f"/notifications/{only}/read", data={"csrf_token": token}).status_code == 303


def test_a_notification_written_by_an_operation_appears_in_the_inbox(client, login_as, session, cast, app_context):
    member = login_as("member")
    member.locale = "en"
    session.commit()
    officer = session.get(User, cast.users["officer"].id)
    rules.change_role(officer, session.get(Membership, cast.member_membership.id), "officer")
    session.commit()
    html = client.get("/notifications/").get_data(as_text=True)
    assert "Your role in Association des ressortissants de Diéma is now Officer." in html
    assert "Notifications (1)" in html


# Undelivered mail ------------------------------------------------------------------------------------------


def _dead(session, to="bad@example.org", error="SendGrid answered 400: The to email does not contain a valid address."):
    message = queue_mail("password_reset", to, "Reset", "Body")
    message.status, message.attempts, message.last_error = "dead", 1, error
    session.commit()
    return message


def test_the_admin_sees_dead_letters_with_their_reason_and_sends_one_again(client, login_as, session, app_context):
    login_as("admin")
    dead = _dead(session)
    pending = queue_mail("invitation", "fine@example.org", "Hi", "Body")
    session.commit()
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert "bad@example.org" in html and "does not contain a valid address" in html and "password_reset" in html
    assert f'action="/admin/outbox/{dead.id}/retry"' in html
    assert "fine@example.org" not in html and f"/admin/outbox/{pending.id}/retry" not in html
    assert 'href="/admin/outbox"' in client.get("/admin/").get_data(as_text=True)

    response = client.post(f"/admin/outbox/{dead.id}/retry")
    assert response.status_code == 303 and response.location == "/admin/outbox"
    session.expire_all()
    again = session.get(OutboxMessage, dead.id)
    assert (again.status, again.attempts) == ("pending", 0)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "outbox.retry")).subject_id == dead.id
    assert f"/admin/outbox/{dead.id}/retry" not in client.get("/admin/outbox").get_data(as_text=True)

    late = client.post(f"/admin/outbox/{dead.id}/retry", follow_redirects=True)  # no longer dead
    assert late.status_code == 200 and session.get(OutboxMessage, dead.id).status == "pending"


def test_the_resend_button_needs_its_csrf_token(csrf_app, session, cast, app_context):
    from tests.factories import sign_in

    client = csrf_app.test_client()
    sign_in(client, cast.users["admin"])
    dead = _dead(session)
    assert client.post(f"/admin/outbox/{dead.id}/retry").status_code == 400
    html = client.get("/admin/outbox").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post(f"/admin/outbox/{dead.id}/retry", data={"csrf_token": token}).status_code == 303


def test_only_mediators_are_offered_the_escalations(client, login_as, session):
    login_as("mediator")
    assert 'name="kind_escalations"' in client.get("/notifications/preferences").get_data(as_text=True)


def test_handling_a_project_marks_its_notifications_read(people, session):
    """The mayor is told of a submission; answering it (or writing in its discussion) settles those notices,
    and only those."""
    project = make_project(people.association, people.commune_a, S.DRAFT)
    other = make_project(people.association, people.commune_a, S.DRAFT)
    projects.transition(people.users["officer"], project, "submit")
    projects.transition(people.users["officer"], other, "submit")
    mayor = people.users["mayor"]

    def unread(p):
        return session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.user_id == mayor.id,
                Notification.read_at.is_(None),
                Notification.link == f"/projects/{p.id}",
            )
        )

    assert unread(project) == 1 and unread(other) == 1
    projects.transition(mayor, project, "start_review")
    assert unread(project) == 0 and unread(other) == 1
    projects.add_comment(mayor, other, "Nous regardons le devis.")
    assert unread(other) == 0


def _two_factor_on(user) -> list[str]:
    """Two-factor authentication set up for `user` with its app's current code; its recovery codes."""
    import pyotp

    two_factor.start_enrolment(user)
    secret = two_factor.pending_secret(user)
    return two_factor.confirm_enrolment(user, "correct horse battery", pyotp.TOTP(secret).now())


def _codes_guessed(user) -> None:
    """Someone with the password sends wrong codes until the account's budget is spent."""
    _two_factor_on(user)
    for _ in range(10):
        with contextlib.suppress(Refused):
            two_factor.verify_code(user, "not a code")


def _address_moved(user) -> None:
    """The account asks to move to a new address, and the link mailed there is followed."""
    accounts.change_email(user, "correct horse battery", "Nouvelle@Test.org")
    message = mails_to("nouvelle@test.org", "email_change")[-1]
    accounts.confirm_email(sign("confirm", message.signed_link["data"]))

"""After agreement, restated from issue 11 and product.md: contributions paid (reported by the paying party,
confirmed or contested by the receiving side) as a matrix of state × role × action; who reports; XOF sums of
pledged versus received; pledges confirmed by the tranches that reach them; the facility handed over, its yearly
check by its owner, the commune's register and the reminder job."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.cli.jobs import SCHEDULED_JOBS
from portal.database import utcnow
from portal.domain import contributions as rules
from portal.domain import facilities, projects
from portal.errors import Refused
from portal.extensions import db
from portal.models import (
    Commitment,
    Facility,
    FacilityCheck,
    Notification,
    OutboxMessage,
    Project,
    ProjectStatus,
    commune_today,
)
from portal.notifications.jobs import run_due_jobs
from tests.delivery_factories import make_contribution
from tests.project_factories import make_project
from tests.walk import PDF

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

ROLES = ["officer", "member", "mayor", "deputy", "mayor_b", "representative", "observer", "mediator", "admin", "nobody"]
STATES = ["reported", "confirmed", "contested"]
# A tranche of the partner's line (the partner pays: its representative; its observer only reads); the commune
# receives (its mayor and deputy); a mediator confirms a contested one.
PAYING = {"representative"}
RECEIVING = {"mayor", "deputy"}
WHO = {
    "confirm": {"reported": RECEIVING, "contested": {"mediator"}},
    "contest": {"reported": RECEIVING},
    "report_again": {"contested": PAYING},
}
TO = {"confirm": "confirmed", "contest": "contested", "report_again": "reported"}


@pytest.fixture(autouse=True)
def _in_app_context(app_context):
    """The operations render mails (notifications), which needs the application."""


def agreed_project(cast, status=ProjectStatus.AGREED, **kwargs) -> Project:
    """Association A's project in commune A, budget 1,000,000 F CFA, funded 600,000 by the association and
    400,000 by the partner, which confirmed its line."""
    project = make_project(
        cast.association,
        cast.commune_a,
        status,
        funding=(("association", cast.association, 600_000, "XOF"), ("partner", cast.partner, 400_000, "XOF")),
        **kwargs,
    )
    project.funding_lines[1].confirmed_at = utcnow()
    db.session.flush()
    return project


def expected(role: str, state: str, action: str) -> str:
    if not any(role in who for who in WHO[action].values()):
        return "forbidden"
    if state not in WHO[action]:
        return "invalid_transition"
    if role not in WHO[action][state]:
        return "forbidden"
    if action == "contest":
        return "comment_required"
    return "done"


@pytest.mark.parametrize("action", sorted(WHO))
@pytest.mark.parametrize("state", STATES)
def test_the_transition_table(session, cast, state, action):
    project = agreed_project(cast)
    for role in ROLES:
        contribution = make_contribution(project, 1, 100_000, status=state)
        with session.begin_nested() as savepoint:
            try:
                rules.transition(cast.users[role], rules.load_contribution(cast.users[role], contribution.id), action)
                got = "done"
                assert contribution.status == TO[action]
            except Refused as refusal:
                got = refusal.code
            savepoint.rollback()
        assert got == expected(role, state, action), (role, state, action, got)


def test_a_contest_with_its_reason_goes_through_and_tells_the_payer(session, cast):
    project = agreed_project(cast)
    contribution = make_contribution(project, 1, 100_000)
    rules.transition(cast.users["mayor"], contribution, "contest", "Rien reçu sur le compte de la commune.")
    assert contribution.status == "contested"
    told = session.scalars(select(Notification.user_id).where(Notification.event == "contribution_contest")).all()
    assert set(told) == {cast.users["representative"].id}


def test_the_commune_pays_its_own_line_and_the_association_confirms(session, cast):
    project = make_project(
        cast.association,
        cast.commune_a,
        ProjectStatus.IN_PROGRESS,
        funding=(("association", None, 700_000, "XOF"), ("commune", None, 300_000, "XOF")),
    )
    commune_line = project.funding_lines[1]
    with pytest.raises(Refused) as refused:
        rules.report_contribution(
            cast.users["officer"],
            project,
            {"funding_line_id": commune_line.id, "paid_on": "2026-01-10", "amount": "1000", "currency": "XOF"},
        )
    assert refused.value.code == "forbidden"
    paid = rules.report_contribution(
        cast.users["mayor"],
        project,
        {"funding_line_id": commune_line.id, "paid_on": "2026-01-10", "amount": "300000", "currency": "XOF"},
    )
    with pytest.raises(Refused) as refused:
        rules.transition(cast.users["deputy"], paid, "confirm")
    assert refused.value.code == "forbidden"
    rules.transition(cast.users["member"], paid, "confirm")
    assert paid.status == "confirmed"


@pytest.mark.parametrize(
    "status, role, answer",
    [
        ("in_consultation", "representative", "invalid_transition"),  # reported once the project is agreed
        ("agreed", "representative", "done"),
        ("in_progress", "officer", "done"),
        ("handed_over", "member", "done"),
        ("agreed", "observer", "forbidden"),  # observers only read
        ("agreed", "mayor", "forbidden"),  # the commune pays no line of this plan
        ("agreed", "mediator", "forbidden"),
        ("agreed", "nobody", "forbidden"),
    ],
)
def test_who_reports_a_tranche_and_when(session, cast, status, role, answer):
    project = agreed_project(cast, status)
    line = project.funding_lines[1] if role in ("representative", "observer") else project.funding_lines[0]
    data = {"funding_line_id": line.id, "paid_on": "2026-06-01", "amount": "50000", "currency": "XOF"}
    try:
        rules.report_contribution(cast.users[role], project, data)
        got = "done"
    except Refused as refusal:
        got = refusal.code
    assert got == answer


def test_a_funder_confirms_its_line_before_it_reports_on_it(session, cast):
    project = agreed_project(cast)
    project.funding_lines[1].confirmed_at = None
    data = {"funding_line_id": project.funding_lines[1].id, "paid_on": "2026-06-01", "amount": "1", "currency": "XOF"}
    with pytest.raises(Refused) as refused:
        rules.report_contribution(cast.users["representative"], project, data)
    assert refused.value.code == "invalid_transition"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"paid_on": "demain"}, "paid_on"),
        ({"amount": "100.50"}, "amount"),  # XOF has no decimals
        ({"amount": "-5"}, "amount"),
        ({"currency": "ZZZ"}, "currency"),
        ({"funding_line_id": None}, "funding_line_id"),
        ({"reference": "x" * 201}, "reference"),
    ],
)
def test_what_a_report_refuses_names_its_field(session, cast, change, field):
    project = agreed_project(cast)
    data = {
        "funding_line_id": project.funding_lines[0].id,
        "paid_on": "2026-06-01",
        "amount": "1000",
        "currency": "XOF",
    }
    with pytest.raises(Refused) as refused:
        rules.report_contribution(cast.users["officer"], project, {**data, **change})
    assert refused.value.code == "validation_failed"
    assert field in refused.value.fields


def test_a_payment_dated_tomorrow_in_bamako_is_refused(session, cast):
    project = agreed_project(cast)
    tomorrow = (commune_today() + timedelta(days=1)).isoformat()
    data = {"funding_line_id": project.funding_lines[0].id, "paid_on": tomorrow, "amount": "1000", "currency": "XOF"}
    with pytest.raises(Refused) as refused:
        rules.report_contribution(cast.users["officer"], project, data)
    assert list(refused.value.fields) == ["paid_on"]


def test_received_counts_confirmed_tranches_only_in_whole_xof(session, cast):
    project = agreed_project(cast)
    make_contribution(project, 0, 1000, "EUR", status="confirmed")  # 1000 × 655.957 = 655,957 F CFA
    make_contribution(project, 0, 250_000, status="confirmed")
    make_contribution(project, 1, 100_000, status="reported")  # not yet received
    make_contribution(project, 1, 40_000, status="contested")
    session.expire_all()
    assert session.get(Project, project.id).received_total_xof == 655_957 + 250_000
    summary = rules.funding_summary(cast.users["officer"], session.get(Project, project.id))
    assert [(r.pledged_xof, r.received_xof, r.awaiting_xof, r.gap_xof) for r in summary] == [
        (600_000, 905_957, 0, 0),
        (400_000, 0, 140_000, 400_000),
    ]


def test_a_project_without_contributions_has_received_nothing(session, cast):
    project = agreed_project(cast)
    session.expire_all()
    assert session.get(Project, project.id).received_total_xof == 0


def test_confirmed_tranches_that_reach_the_pledge_confirm_its_commitment(session, cast):
    project = agreed_project(cast, ProjectStatus.IN_CONSULTATION)
    projects.transition(cast.users["mayor"], project, "agree")
    pledge = session.scalar(select(Commitment).where(Commitment.funding_line_id == project.funding_lines[0].id))
    assert pledge.status == "open"
    first = rules.report_contribution(
        cast.users["officer"],
        project,
        {
            "funding_line_id": project.funding_lines[0].id,
            "paid_on": "2026-06-01",
            "amount": "350000",
            "currency": "XOF",
        },
    )
    rules.transition(cast.users["mayor"], first, "confirm")
    assert pledge.status == "open"  # 350,000 of 600,000
    second = rules.report_contribution(
        cast.users["member"],
        project,
        {
            "funding_line_id": project.funding_lines[0].id,
            "paid_on": "2026-07-01",
            "amount": "250000",
            "currency": "XOF",
        },
    )
    assert pledge.status == "open"  # reported is not received
    rules.transition(cast.users["deputy"], second, "confirm")
    assert pledge.status == "confirmed"
    partner_pledge = session.scalar(select(Commitment).where(Commitment.funding_line_id == project.funding_lines[1].id))
    assert partner_pledge.status == "open"
    session.expire_all()
    assert session.get(Project, project.id).received_total_xof == 600_000


def test_each_step_is_on_the_projects_history(session, cast):
    project = agreed_project(cast)
    paid = rules.report_contribution(
        cast.users["representative"],
        project,
        {"funding_line_id": project.funding_lines[1].id, "paid_on": "2026-06-01", "amount": "100", "currency": "EUR"},
        io.BytesIO(PDF),
        "virement.pdf",
    )
    assert paid.amount == Decimal("100.00") and paid.amount_xof == 65_596  # 65,595.7 rounded half-even
    assert paid.proof.filename == "virement.pdf" and paid.proof.content_type == "application/pdf"
    rules.transition(cast.users["mayor"], paid, "contest", "Le virement n'est pas arrivé.")
    rules.transition(cast.users["representative"], paid, "report_again")
    rules.transition(cast.users["mayor"], paid, "confirm")
    actions = [event["action"] for event in projects.project_history(project, cast.users["mayor"])]
    assert actions[-4:] == [
        "contribution.report",
        "contribution.contest",
        "contribution.report_again",
        "contribution.confirm",
    ]


# The facility --------------------------------------------------------------------------------------------


def handed_over(cast) -> Project:
    """A project handed over through the workflow, the commune its owner."""
    project = agreed_project(cast, ProjectStatus.COMPLETED, village="Kobadiala")
    projects.transition(
        cast.users["mayor"],
        project,
        "hand_over",
        owner_organisation_id=cast.commune_org.id,
        maintenance_plan="Le comité de gestion de l'eau entretient la pompe; 50 000 F CFA par an.",
    )
    return project


def test_hand_over_enters_the_facility_in_its_communes_register(session, cast):
    project = handed_over(cast)
    facility = session.get(Facility, project.id)
    assert (facility.commune_id, facility.condition, facility.condition_checked_at) == (
        cast.commune_a.id,
        "unknown",
        None,
    )
    register = session.scalars(facilities.commune_register(cast.commune_a.id)).unique().all()
    assert [f.project_id for f in register] == [project.id]
    assert session.scalars(facilities.commune_register(cast.commune_b.id)).unique().all() == []


@pytest.mark.parametrize(
    "role, answer",
    [
        ("mayor", "done"),  # the owner (the commune)
        ("deputy", "done"),
        ("officer", "forbidden"),
        ("representative", "forbidden"),
        ("mediator", "forbidden"),
        ("mayor_b", "forbidden"),
        ("nobody", "forbidden"),
    ],
)
def test_only_the_owner_records_the_yearly_check(session, cast, role, answer):
    project = handed_over(cast)
    try:
        facilities.record_check(cast.users[role], project, "working", "La pompe marche.")
        got = "done"
    except Refused as refusal:
        got = refusal.code
    assert got == answer


def test_a_committee_owner_records_it_and_the_commune_does_not(session, cast):
    from tests.factories import add_member, make_organisation, make_user

    committee = make_organisation("committee", "ASACO de Diéma", commune=cast.commune_a)
    president = make_user("asaco@test.org", "Présidente de l'ASACO")
    add_member(president, committee, "president")
    project = agreed_project(cast, ProjectStatus.COMPLETED)
    projects.transition(
        cast.users["mayor"], project, "hand_over", owner_organisation_id=committee.id, maintenance_plan="L'ASACO."
    )
    facilities.record_check(president, project, "partly", "Le générateur est en panne.")
    with pytest.raises(Refused) as refused:
        facilities.record_check(cast.users["mayor"], project, "working", "")
    assert refused.value.code == "forbidden"
    assert session.get(Facility, project.id).condition == "partly"


def test_a_check_updates_the_condition_keeps_its_photo_and_tells_the_parties(session, cast):
    project = handed_over(cast)
    check = facilities.record_check(
        cast.users["mayor"], project, "not_working", "Pompe cassée.", io.BytesIO(PNG), "pompe.png"
    )
    facility = session.get(Facility, project.id)
    assert facility.condition == "not_working" and facility.condition_checked_at == check.checked_at
    assert check.photo.content_type == "image/png"
    told = set(session.scalars(select(Notification.user_id).where(Notification.event == "facility_checked")))
    assert told == {cast.users["officer"].id, cast.users["deputy"].id}  # the actor is not told


@pytest.mark.parametrize(
    "condition, remark, upload, code",
    [
        ("broken", "", None, "validation_failed"),
        ("", "", None, "validation_failed"),
        ("working", "x" * 20_001, None, "validation_failed"),
        ("working", "", (PDF, "devis.pdf"), "unsupported_file_type"),  # a photo is an image
    ],
)
def test_what_a_check_refuses(session, cast, condition, remark, upload, code):
    project = handed_over(cast)
    stream, name = (io.BytesIO(upload[0]), upload[1]) if upload else (None, None)
    with pytest.raises(Refused) as refused:
        facilities.record_check(cast.users["mayor"], project, condition, remark, stream, name)
    assert refused.value.code == code
    assert session.scalar(select(func.count()).select_from(FacilityCheck)) == 0


def test_a_project_not_handed_over_has_no_facility_to_check(session, cast):
    project = agreed_project(cast, ProjectStatus.COMPLETED)
    with pytest.raises(Refused) as refused:
        facilities.record_check(cast.users["mayor"], project, "working", "")
    assert refused.value.code == "not_found"


def _mails(session, event):
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.event == event))


def test_an_overdue_yearly_check_is_reminded_to_the_owner_once(app, session, cast):
    project = handed_over(cast)
    jobs = [job for job in SCHEDULED_JOBS if job.name == "facility_check_reminders"]
    now = utcnow()
    assert run_due_jobs(app, jobs, now=now + timedelta(days=364)) == ["facility_check_reminders"]
    assert _mails(session, "facility_check_due") == 0  # not yet a year
    assert run_due_jobs(app, jobs, now=now + timedelta(days=366)) == ["facility_check_reminders"]
    assert _mails(session, "facility_check_due") == 2  # the commune's mayor and deputy
    assert run_due_jobs(app, jobs, now=now + timedelta(days=368)) == ["facility_check_reminders"]
    assert _mails(session, "facility_check_due") == 2  # once
    facilities.record_check(cast.users["mayor"], session.get(Project, project.id), "working", "")
    assert session.get(Facility, project.id).check_reminded_at is None  # the next year counts from this check


def test_tranches_in_the_lines_own_currency_pay_it_in_full_whatever_each_rounds_to(session, cast):
    # 7,500 EUR pledged = 4,919,678 F CFA (4,919,677.5 half-even); paid as 4,500 EUR (2,951,806 F CFA, from
    # 2,951,806.5) and 3,000 EUR (1,967,871 F CFA): a franc short in XOF, yet the whole line in euros.
    project = make_project(
        cast.association,
        cast.commune_a,
        ProjectStatus.IN_CONSULTATION,
        budget=(("Forage", 7500, "EUR"),),
        funding=(("association", cast.association, 7500, "EUR"),),
    )
    projects.transition(cast.users["mayor"], project, "agree")
    pledge = session.scalar(select(Commitment).where(Commitment.project_id == project.id))
    for amount in ("4500", "3000"):
        paid = rules.report_contribution(
            cast.users["officer"],
            project,
            {
                "funding_line_id": project.funding_lines[0].id,
                "paid_on": "2026-02-01",
                "amount": amount,
                "currency": "EUR",
            },
        )
        rules.transition(cast.users["mayor"], paid, "confirm")
    assert pledge.status == "confirmed"
    [line] = rules.funding_summary(cast.users["officer"], project)
    assert (line.pledged_xof, line.received_xof, line.gap_xof) == (4_919_678, 4_919_677, 0)


# Progress reports ----------------------------------------------------------------------------------------


def test_agree_starts_the_reports_every_period_given_or_quarterly(session, cast):
    from portal.domain import progress
    from portal.models import ProjectReporting

    quarterly = agreed_project(cast, ProjectStatus.IN_CONSULTATION)
    projects.transition(cast.users["mayor"], quarterly, "agree")
    reporting = session.get(ProjectReporting, quarterly.id)
    assert (reporting.period_months, reporting.next_due_on) == (3, progress.add_months(commune_today(), 3))
    monthly = agreed_project(cast, ProjectStatus.IN_CONSULTATION)
    projects.transition(cast.users["mayor"], monthly, "agree", reporting_period=1)
    assert session.get(ProjectReporting, monthly.id).period_months == 1
    refused = agreed_project(cast, ProjectStatus.IN_CONSULTATION)
    with pytest.raises(Refused) as error:
        projects.transition(cast.users["mayor"], refused, "agree", reporting_period=13)
    assert list(error.value.fields) == ["reporting_period"] and refused.status == "in_consultation"


def test_months_are_added_to_the_months_last_day_when_needed():
    from datetime import date

    from portal.domain.progress import add_months

    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 5, 15), 12) == date(2027, 5, 15)


@pytest.mark.parametrize(
    "status, role, answer",
    [
        ("agreed", "mayor", "done"),
        ("in_progress", "deputy", "done"),
        ("completed", "mayor", "invalid_transition"),  # no report is due once the works are completed
        ("in_consultation", "mayor", "invalid_transition"),
        ("in_progress", "officer", "forbidden"),
        ("in_progress", "representative", "forbidden"),
        ("in_progress", "mediator", "forbidden"),
        ("in_progress", "mayor_b", "forbidden"),
    ],
)
def test_who_reports_progress_and_when(session, cast, status, role, answer):
    from portal.domain import progress

    project = agreed_project(cast, status)
    try:
        progress.post_report(cast.users[role], project, 40, {}, "")
        got = "done"
    except Refused as refusal:
        got = refusal.code
    assert got == answer


def test_a_report_keeps_spending_per_budget_line_and_the_association_comments(session, cast):
    from portal.domain import progress

    project = agreed_project(
        cast, ProjectStatus.IN_PROGRESS, budget=(("Forage", 700_000, "XOF"), ("Pompe", 300_000, "XOF"))
    )
    forage, pompe = project.budget_lines
    report = progress.post_report(
        cast.users["mayor"],
        project,
        "55",
        {forage.id: "400 000", pompe.id: ""},
        "Forage fait.",
        io.BytesIO(PNG),
        "f.png",
    )
    assert report.spending == [
        {"budget_line_id": forage.id, "label": "Forage", "spent_xof": 400_000},
        {"budget_line_id": pompe.id, "label": "Pompe", "spent_xof": 0},
    ]
    assert (report.percent_complete, report.spent_xof, report.photo.content_type) == (55, 400_000, "image/png")
    told = set(session.scalars(select(Notification.user_id).where(Notification.event == "progress_report_posted")))
    assert told == {cast.users["officer"].id}
    for role in ("mayor", "member", "representative"):
        with pytest.raises(Refused) as refused:
            progress.comment_report(cast.users[role], project, report, "Bien.")
        assert refused.value.code == "forbidden", role
    with pytest.raises(Refused) as refused:
        progress.comment_report(cast.users["officer"], project, report, "  ")
    assert refused.value.code == "comment_required"
    progress.comment_report(cast.users["officer"], project, report, "Merci : la pompe, quand ?")
    assert report.association_comment == "Merci : la pompe, quand ?"


@pytest.mark.parametrize(
    "percent, spent, field",
    [
        ("101", {}, "percent_complete"),
        ("-1", {}, "percent_complete"),
        ("beaucoup", {}, "percent_complete"),
        ("50", {"first": "-5"}, "spending.0"),
        ("50", {"first": "12,5"}, "spending.0"),
        ("50", {999_999: "5"}, "spending"),  # not a budget line of the project
    ],
)
def test_what_a_report_refuses(session, cast, percent, spent, field):
    from portal.domain import progress

    project = agreed_project(cast, ProjectStatus.IN_PROGRESS)
    spent = {project.budget_lines[0].id if key == "first" else key: value for key, value in spent.items()}
    with pytest.raises(Refused) as refused:
        progress.post_report(cast.users["mayor"], project, percent, spent, "")
    assert refused.value.code == "validation_failed" and field in refused.value.fields


def test_a_late_report_is_reminded_then_flagged_to_the_mediators_once_each(app, session, cast):
    from portal.domain import progress
    from portal.models import ProjectReporting

    project = agreed_project(cast, ProjectStatus.IN_CONSULTATION)
    projects.transition(cast.users["mayor"], project, "agree", reporting_period=1)
    due = session.get(ProjectReporting, project.id).next_due_on
    jobs = [job for job in SCHEDULED_JOBS if job.name == "progress_report_reminders"]
    now = utcnow()

    def at(day):  # noon in Bamako (UTC) that day
        return now.replace(year=day.year, month=day.month, day=day.day, hour=12)

    assert run_due_jobs(app, jobs, now=at(due)) == ["progress_report_reminders"]
    assert _mails(session, "progress_report_due") == 0  # due today: not late yet
    run_due_jobs(app, jobs, now=at(due + timedelta(days=1)))
    assert _mails(session, "progress_report_due") == 2  # the mayor and the deputy
    run_due_jobs(app, jobs, now=at(due + timedelta(days=30)))
    assert (_mails(session, "progress_report_due"), _mails(session, "progress_report_missing")) == (2, 0)
    run_due_jobs(app, jobs, now=at(due + timedelta(days=31)))
    assert _mails(session, "progress_report_missing") == 1  # the mediator, once
    run_due_jobs(app, jobs, now=at(due + timedelta(days=40)))
    assert (_mails(session, "progress_report_due"), _mails(session, "progress_report_missing")) == (2, 1)
    progress.post_report(cast.users["mayor"], session.get(Project, project.id), 30, {}, "")
    reporting = session.get(ProjectReporting, project.id)
    assert (reporting.reminded_at, reporting.flagged_at) == (None, None)
    assert reporting.next_due_on == progress.add_months(commune_today(), 1)


# Amendments ----------------------------------------------------------------------------------------------

from portal.domain import amendments  # noqa: E402


def test_an_amendment_changes_the_budget_only_once_the_other_side_accepts(session, cast):
    project = agreed_project(cast, ProjectStatus.IN_CONSULTATION)  # budget 1,000,000; 600,000 + 400,000
    projects.transition(cast.users["mayor"], project, "agree")
    travaux = project.budget_lines[0]
    association_line, partner_line = project.funding_lines
    amendment = amendments.propose(
        cast.users["officer"],
        project,
        {travaux.id: "1200000"},
        {association_line.id: "800000"},
        "Le forage doit descendre à 120 m.",
        project.version,
    )
    assert amendment.before == {"budget": {str(travaux.id): "1000000"}, "funding": {str(association_line.id): "600000"}}
    assert amendment.after == {"budget": {str(travaux.id): "1200000"}, "funding": {str(association_line.id): "800000"}}
    assert project.budget_total_xof == 1_000_000  # not before it is accepted
    cast.add_clerk()  # the secrétaire général: accepting binds the commune, which is the mayor's or a deputy's
    for role in ("officer", "member", "representative", "mediator", "clerk"):
        with pytest.raises(Refused) as refused:
            amendments.decide(cast.users[role], amendment, "accept")
        assert refused.value.code == "forbidden", role
    version = project.version
    amendments.decide(cast.users["mayor"], amendment, "accept")
    assert (project.budget_total_xof, project.funding_total_xof) == (1_200_000, 1_200_000)
    assert project.version > version
    pledge = session.scalar(select(Commitment).where(Commitment.funding_line_id == association_line.id))
    assert (pledge.amount_xof, pledge.amount) == (800_000, Decimal("800000"))
    assert partner_line.confirmed_at is not None  # its line did not change: no new confirmation
    actions = [event["action"] for event in projects.project_history(project, cast.users["mayor"])]
    assert actions[-2:] == ["amendment.propose", "amendment.accept"]


def test_a_funder_whose_line_changes_confirms_it_again(session, cast):
    project = agreed_project(cast, ProjectStatus.IN_PROGRESS)
    partner_line = project.funding_lines[1]
    amendment = amendments.propose(
        cast.users["mayor"], project, {}, {partner_line.id: "500000"}, "Le partenaire ajoute la pompe.", None
    )
    with pytest.raises(Refused) as refused:
        amendments.decide(cast.users["mayor"], amendment, "accept")  # the commune proposed: the association accepts
    assert refused.value.code == "forbidden"
    amendments.decide(cast.users["officer"], amendment, "accept")
    assert partner_line.confirmed_at is None and partner_line.amount_xof == 500_000
    asked = session.scalars(select(Notification.user_id).where(Notification.event == "funding_line_to_confirm")).all()
    assert asked == [cast.users["representative"].id]


@pytest.mark.parametrize(
    "status, role, budget, funding, reason, code",
    [
        ("in_progress", "observer", {}, {0: "700000"}, "x", "forbidden"),
        ("in_progress", "representative", {}, {0: "700000"}, "x", "forbidden"),
        ("in_progress", "mediator", {}, {0: "700000"}, "x", "forbidden"),
        ("in_progress", "clerk", {}, {0: "700000"}, "x", "forbidden"),  # proposing binds the commune
        ("completed", "officer", {}, {0: "700000"}, "x", "invalid_transition"),
        ("in_consultation", "officer", {}, {0: "700000"}, "x", "invalid_transition"),
        ("in_progress", "officer", {}, {}, "x", "validation_failed"),  # nothing changes
        ("in_progress", "officer", {}, {0: "700000"}, " ", "comment_required"),
        ("in_progress", "officer", {0: "1500000"}, {}, "x", "funding_incomplete"),
        ("in_progress", "officer", {}, {0: "12.5"}, "x", "validation_failed"),
    ],
)
def test_what_a_proposal_refuses(session, cast, status, role, budget, funding, reason, code):
    cast.add_clerk()
    project = agreed_project(cast, status)
    budget = {project.budget_lines[i].id: v for i, v in budget.items()}
    funding = {project.funding_lines[i].id: v for i, v in funding.items()}
    with pytest.raises(Refused) as refused:
        amendments.propose(cast.users[role], project, budget, funding, reason, None)
    assert refused.value.code == code


def test_one_amendment_at_a_time_each_over_the_version_it_read(session, cast):
    project = agreed_project(cast, ProjectStatus.IN_PROGRESS)
    line = project.funding_lines[0]
    read = project.version
    first = amendments.propose(cast.users["officer"], project, {}, {line.id: "700000"}, "Plus.", read)
    with pytest.raises(Refused) as refused:
        amendments.propose(cast.users["mayor"], project, {}, {line.id: "650000"}, "Moins.", read)
    assert refused.value.code == "invalid_transition"
    with pytest.raises(Refused) as refused:
        amendments.decide(cast.users["mayor"], first, "reject", " ")
    assert refused.value.code == "comment_required"
    amendments.decide(cast.users["mayor"], first, "reject", "Pas maintenant.")
    assert project.funding_total_xof == 1_000_000
    second = amendments.propose(cast.users["mayor"], project, {}, {line.id: "650000"}, "Moins.", read)
    project.village = "Kobadiala"  # the project changes meanwhile (another accepted amendment, an edit)
    project.updated_at = utcnow()
    db.session.flush()
    with pytest.raises(Refused) as refused:
        amendments.decide(cast.users["officer"], second, "accept")
    assert refused.value.code == "stale_version"
    with pytest.raises(Refused) as refused:
        amendments.propose(cast.users["officer"], project, {}, {line.id: "650000"}, "Moins.", read)
    assert refused.value.code == "invalid_transition"  # the second still awaits its answer


# Acceptance of the works ---------------------------------------------------------------------------------

from portal.domain import acceptance  # noqa: E402


def _accept(user, project, kind, day="2026-09-01", participants="Maire, association, entreprise", upload=PDF):
    stream = io.BytesIO(upload) if upload else None
    return acceptance.record_acceptance(user, project, kind, day, participants, stream, "pv.pdf" if upload else None)


@pytest.mark.parametrize(
    "status, role, answer",
    [
        ("in_progress", "mayor", "done"),
        ("completed", "deputy", "done"),
        ("handed_over", "mayor", "done"),  # a record on the timeline, not a condition of the hand-over
        ("agreed", "mayor", "invalid_transition"),
        ("completed", "officer", "forbidden"),
        ("completed", "representative", "forbidden"),
        ("completed", "mediator", "forbidden"),
        ("completed", "mayor_b", "forbidden"),
    ],
)
def test_who_records_the_acceptance_and_when(session, cast, status, role, answer):
    project = agreed_project(cast, status)
    try:
        _accept(cast.users[role], project, "provisional")
        got = "done"
    except Refused as refusal:
        got = refusal.code
    assert got == answer


def test_provisional_then_final_each_once_with_its_signed_record_on_the_history(session, cast):
    project = agreed_project(cast, ProjectStatus.COMPLETED)
    with pytest.raises(Refused) as refused:
        _accept(cast.users["mayor"], project, "final")
    assert refused.value.code == "invalid_transition"
    provisional = _accept(cast.users["mayor"], project, "provisional")
    assert (provisional.kind, str(provisional.accepted_on), provisional.record.content_type) == (
        "provisional",
        "2026-09-01",
        "application/pdf",
    )
    with pytest.raises(Refused) as refused:
        _accept(cast.users["mayor"], project, "provisional")
    assert refused.value.code == "invalid_transition"
    _accept(cast.users["deputy"], project, "final", "2026-11-02")
    assert acceptance.next_kind(project) is None
    actions = [event["action"] for event in projects.project_history(project, cast.users["mayor"])]
    assert actions[-2:] == ["acceptance.provisional", "acceptance.final"]
    told = set(session.scalars(select(Notification.user_id).where(Notification.event == "works_accepted")))
    assert told == {cast.users["officer"].id, cast.users["deputy"].id, cast.users["mayor"].id}


@pytest.mark.parametrize(
    "kind, day, participants, upload, fields",
    [
        ("interim", "2026-09-01", "x", PDF, {"kind"}),
        ("provisional", "demain", "x", PDF, {"accepted_on"}),
        ("provisional", "2999-01-01", "x", PDF, {"accepted_on"}),
        ("provisional", "2026-09-01", " ", PDF, {"participants"}),
        ("provisional", "2026-09-01", "x", None, {"file"}),
    ],
)
def test_what_an_acceptance_refuses(session, cast, kind, day, participants, upload, fields):
    project = agreed_project(cast, ProjectStatus.COMPLETED)
    with pytest.raises(Refused) as refused:
        _accept(cast.users["mayor"], project, kind, day, participants, upload)
    assert refused.value.code == "validation_failed" and set(refused.value.fields) == fields


# The convention ------------------------------------------------------------------------------------------

from portal.domain import convention  # noqa: E402


def test_the_convention_names_the_parties_their_representatives_and_the_pledges(session, cast):
    project = agreed_project(cast, ProjectStatus.IN_CONSULTATION)
    projects.transition(cast.users["mayor"], project, "agree", pledge_due_date="2027-01-31", reporting_period=6)
    mayor = cast.users["mayor"]
    parties = convention.parties(project, mayor)
    assert [(p.organisation.id, p.representatives) for p in parties] == [
        (cast.commune_org.id, ["Maire de Diéma"]),  # the commune first: the project owner
        (cast.association.id, ["Responsable"]),  # its officers, not its members
        (cast.partner.id, ["Représentant"]),  # its representative, not its observer
    ]
    pledges = [
        (c.organisation_id, name, c.amount_xof, str(c.due_date)) for c, name in convention.pledges(project, mayor)
    ]
    assert pledges == [
        (cast.association.id, cast.association.name, 600_000, "2027-01-31"),
        (cast.partner.id, cast.partner.name, 400_000, "2027-01-31"),
    ]
    # The partner confirmed its line: the public reads it too (tests/test_unconfirmed_funders.py: until then, not).
    assert [p.organisation.id for p in convention.parties(project, None)] == [p.organisation.id for p in parties]
    assert convention.reporting_months(project) == 6
    assert convention.is_signed(project) is False


def test_the_deliberation_by_the_commune_and_the_signed_copy_by_either_side(session, cast):
    project = agreed_project(cast)
    for role in ("officer", "representative", "mediator"):
        with pytest.raises(Refused) as refused:
            convention.record_deliberation(cast.users[role], project, "2026-014/CD", "2026-03-12")
        assert refused.value.code == "forbidden", role
    with pytest.raises(Refused) as refused:
        convention.record_deliberation(cast.users["mayor"], project, " ", "2999-01-01")
    assert set(refused.value.fields) == {"deliberation_number", "deliberation_date"}
    row = convention.record_deliberation(cast.users["deputy"], project, "2026-014/CD", "2026-03-12")
    assert (row.deliberation_number, str(row.deliberation_date)) == ("2026-014/CD", "2026-03-12")
    for role in ("member", "representative", "observer"):
        with pytest.raises(Refused) as refused:
            convention.upload_signed(cast.users[role], project, io.BytesIO(PDF), "c.pdf")
        assert refused.value.code == "forbidden", role
    convention.upload_signed(cast.users["officer"], project, io.BytesIO(PDF), "convention signée.pdf")
    assert convention.is_signed(project)
    actions = [event["action"] for event in projects.project_history(project, cast.users["mayor"])]
    assert actions[-2:] == ["convention.deliberation", "convention.signed"]


def test_no_convention_before_agreement(session, cast):
    project = agreed_project(cast, ProjectStatus.IN_CONSULTATION)
    with pytest.raises(Refused) as refused:
        convention.upload_signed(cast.users["mayor"], project, io.BytesIO(PDF), "c.pdf")
    assert refused.value.code == "not_found"


# Thumbnails of the photos ---------------------------------------------------------------------------------


def _png(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_photo_gets_a_small_thumbnail_and_a_file_that_is_no_image_gets_none(session, cast, app):
    from pathlib import Path

    from PIL import Image

    project = handed_over(cast)
    check = facilities.record_check(cast.users["mayor"], project, "working", "", io.BytesIO(_png(1600, 1200)), "p.png")
    thumbnail = check.photo.thumbnail
    assert thumbnail is not None and thumbnail.content_type == "image/jpeg"
    with Image.open(Path(app.config["UPLOAD_DIR"]) / thumbnail.stored_name) as small:
        assert small.size == (120, 90)  # 120 pixels on its longer side, its proportions kept
    assert thumbnail.size < 5_000
    broken = facilities.record_check(cast.users["mayor"], project, "partly", "", io.BytesIO(PNG), "vide.png")
    assert broken.photo is not None and broken.photo.thumbnail is None  # a PNG signature with no image in it


def test_an_image_declaring_too_many_pixels_is_not_decoded(session, cast, monkeypatch):
    from portal.domain import thumbnails

    monkeypatch.setattr(thumbnails, "MAX_PIXELS", 100 * 100)
    project = handed_over(cast)
    check = facilities.record_check(cast.users["mayor"], project, "working", "", io.BytesIO(_png(200, 200)), "p.png")
    assert check.photo.thumbnail is None

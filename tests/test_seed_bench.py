"""`flask seed-bench` at a small N: the whole record in proportion, every state, an audit log that still verifies,
and pages that answer. The proportions are the ones the README promises for seed-bench."""

from sqlalchemy import func, select

from portal.cli.bench import seed_bench
from portal.domain.audit import verify_chain
from portal.extensions import db
from portal.models import (
    Commitment,
    Commune,
    Contribution,
    Dispute,
    DisputeMessage,
    Facility,
    IndicatorValue,
    MapVersion,
    Meeting,
    MeetingInvitee,
    MeetingProject,
    Organisation,
    Project,
    ProjectStatus,
)

N = 200
TAG = "[bench]"


def count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def bench_projects():
    return select(Project.id).where(Project.title.startswith(TAG))


def test_seed_bench_loads_the_whole_record(app, session, client):
    """One load (the demo's territories and data make it slow), every check on it."""
    with app.app_context():
        seed_bench(N)
        session.commit()
    check_the_record_in_proportion(app)
    check_every_status_and_commitment_state(app)
    check_the_audit_log_still_verifies_and_a_second_run_adds_nothing(app)
    check_pages_answer(app, client)


def check_the_record_in_proportion(app):
    with app.app_context():
        projects = bench_projects()
        assert count(projects) == N
        # About N/10 verified associations, each with a home commune, living in several countries.
        associations = select(Organisation).where(Organisation.kind == "association", Organisation.name.startswith(TAG))
        assert count(associations) == N // 10
        assert count(associations.where(Organisation.verification != "verified")) == 0
        assert count(associations.where(~Organisation.home_communes.any())) == 0
        assert count(select(Organisation.country).distinct().where(Organisation.name.startswith(TAG))) >= 3
        # Every commune of the current map has its commune organisation and indicators.
        communes = select(Commune.id).join(MapVersion).where(MapVersion.is_current.is_(True))
        assert count(communes) > 700
        with_organisation = communes.where(
            Commune.id.in_(select(Organisation.commune_id).where(Organisation.kind == "commune"))
        )
        assert count(with_organisation) == count(communes)
        with_indicators = communes.where(Commune.id.in_(select(IndicatorValue.commune_id)))
        assert count(with_indicators) == count(communes)
        # About 3N commitments, N/5 meetings with invitees, N/50 disputes with messages.
        assert 2.5 * N <= count(select(Commitment.id).where(Commitment.project_id.in_(projects))) <= 3.5 * N
        meetings = select(Meeting.id).where(
            Meeting.id.in_(select(MeetingProject.meeting_id).where(MeetingProject.project_id.in_(projects)))
        )
        assert 0.15 * N <= count(meetings) <= 0.25 * N
        assert count(select(MeetingInvitee.id).where(MeetingInvitee.meeting_id.in_(meetings))) >= count(meetings)
        assert count(meetings.where(Meeting.minutes_posted_at.is_not(None))) > 0
        disputes = select(Dispute.id).where(Dispute.project_id.in_(projects))
        assert N / 100 <= count(disputes) <= N / 25
        assert count(select(DisputeMessage.id).where(DisputeMessage.dispute_id.in_(disputes))) >= count(disputes)
        # Tranches paid on agreed projects, facilities for those handed over.
        assert count(select(Contribution.id).where(Contribution.project_id.in_(projects))) > 0
        handed_over = projects.where(Project.status == ProjectStatus.HANDED_OVER)
        assert count(select(Facility.project_id).where(Facility.project_id.in_(projects))) == count(handed_over)


def check_every_status_and_commitment_state(app):
    with app.app_context():
        statuses = set(db.session.scalars(select(Project.status).distinct().where(Project.title.startswith(TAG))))
        assert statuses == {str(status) for status in ProjectStatus}
        commitments = set(
            db.session.scalars(select(Commitment.status).distinct().where(Commitment.project_id.in_(bench_projects())))
        )
        assert {"open", "fulfilled", "confirmed", "contested", "cancelled"} <= commitments
        agreed = [ProjectStatus.AGREED, ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED, ProjectStatus.HANDED_OVER]
        without_pledges = bench_projects().where(
            Project.status.in_(agreed),
            ~Project.id.in_(select(Commitment.project_id).where(Commitment.funding_line_id.is_not(None))),
        )
        assert count(without_pledges) == 0


def check_the_audit_log_still_verifies_and_a_second_run_adds_nothing(app):
    with app.app_context():
        check = verify_chain()
        assert check.first_bad is None, check.reason
        assert check.checked > 5 * N
        assert sum(seed_bench(N).values()) == 0
        assert count(bench_projects()) == N


def check_pages_answer(app, client):
    with app.app_context():
        public = db.session.scalar(
            bench_projects().where(Project.status == ProjectStatus.HANDED_OVER).order_by(Project.id).limit(1)
        )
        commune = db.session.scalar(select(Project.commune_id).where(Project.id == public))
    for url in ("/projects/", f"/projects/{public}", f"/communes/{commune}", "/api/v1/stats", "/api/v1/projects"):
        assert client.get(url).status_code == 200, url

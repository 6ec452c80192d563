"""The records the route walk visits, built once per test module, and a client per test that sees them.

`walk` (module scope) opens one connection and one outer transaction, builds the cast (tests/factories.py)
and the records below, and commits them into that transaction. `walk_client` (function scope) opens a
savepoint for the test: whatever the test's requests commit is rolled back at its end, so each test sees the
records exactly as built. The outer transaction is rolled back when the module is done: nothing stays.

Import both fixtures into the test module that uses them: `from tests.walk import walk, walk_client`.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.orm import scoped_session, sessionmaker

from portal.database import utcnow
from portal.extensions import db
from portal.models import (
    ApiToken,
    CommitmentEvidence,
    IndicatorValue,
    Invitation,
    Notification,
    OutboxMessage,
    ProjectDocument,
    ProjectStatus,
    UserSession,
)
from tests.factories import PASSWORD, Cast, add_member, make_organisation, make_user, sign_in
from tests.meeting_factories import make_meeting
from tests.project_factories import make_project

ROLES = [
    "anonymous",
    "admin",
    "mediator",
    "mayor",
    "clerk",
    "officer",
    "member",
    "representative",
    "observer",
    "nobody",
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class World(Cast):
    """The cast, plus real records of every kind a route reads.

    - draft: a never-submitted draft of association A (the officer's and the member's) in commune A;
    - submitted: a submitted project of association A in commune A, funded by the association alone (the
      partner is not a party: its representative does not see it);
    - agreed: an agreed (public) project of association A in commune A, co-funded by the partner (whose
      representative is then a party);
    - other: a submitted project of association B in commune B: none of the roles is a party to it;
    - a document on each of these projects (`documents[name]`), its file in `upload_dir`;
    - association_b (verified, home commune B, with its own officer): someone else's organisation;
    - notification: a notification of the officer; dead_letter: an outbox message the worker gave up on;
    - member_membership (from the cast): the member's membership of association A, to act on;
    - invitation: the officer's invitation of a member into association A, not yet answered;
    - meetings: see the block at the end of __init__.
    """

    def __init__(self, upload_dir):
        super().__init__()
        self.add_clerk()  # commune A's secrétaire général, who prepares and records but never binds the commune
        self.officer_b = make_user("officer-b@test.org", "Responsable B")
        self.association_b = make_organisation(
            "association", "Ressortissants de Béma à Madrid", home_communes=[self.commune_b]
        )
        add_member(self.officer_b, self.association_b, "officer")
        self.draft = make_project(self.association, self.commune_a, ProjectStatus.DRAFT, title="Brouillon du puits")
        self.submitted = make_project(
            self.association, self.commune_a, ProjectStatus.SUBMITTED, title="Maternité de Diéma"
        )
        self.agreed = make_project(
            self.association,
            self.commune_a,
            ProjectStatus.AGREED,
            title="Forage de Kobadiala",
            funding=(("association", None, 600_000, "XOF"), ("partner", self.partner, 400_000, "XOF")),
        )
        self.other = make_project(self.association_b, self.commune_b, ProjectStatus.SUBMITTED, title="École de Béma")
        self.documents = {}
        for name in ("draft", "submitted", "agreed", "other"):
            stored_name = f"walk-{name}-{getattr(self, name).id}"
            (upload_dir / stored_name).write_bytes(PDF)
            document = ProjectDocument(
                project_id=getattr(self, name).id,
                kind="quote",
                filename=f"Devis {name}.pdf",
                stored_name=stored_name,
                content_type="application/pdf",
                size=len(PDF),
                uploaded_by_id=self.users["officer"].id,
            )
            db.session.add(document)
            db.session.flush()
            self.documents[name] = document
        self.notification = Notification(
            user_id=self.users["officer"].id,
            event="membership_left",
            audience="managers",
            params={},
            link=f"/organisations/{self.association.id}",
            mail="none",
        )
        self.dead_letter = OutboxMessage(
            event="membership_left",
            to_email="gone@example.org",
            subject="Un membre est parti",
            body_text="Un membre est parti.",
            status="dead",
            attempts=8,
            last_error="550 mailbox unavailable",
            created_at=utcnow(),
        )
        self.invitation = Invitation(  # the officer's, to association A, not yet answered
            email="invited@example.org",
            organisation_id=self.association.id,
            role="member",
            token_hash="walk-invitation",
            invited_by_id=self.users["officer"].id,
            expires_at=utcnow() + timedelta(days=7),
        )
        # A second browser session and an API token of the officer's, to end and revoke from the account page.
        self.officer_session = UserSession(user_id=self.users["officer"].id, token_hash="walk-other-session")
        self.officer_token = ApiToken(
            user_id=self.users["officer"].id, token_hash="walk-token", expires_at=utcnow() + timedelta(days=7)
        )
        db.session.add_all(
            [self.notification, self.dead_letter, self.invitation, self.officer_session, self.officer_token]
        )
        db.session.flush()
        self._add_commitments(upload_dir)
        self._add_disputes(upload_dir)
        self._add_after_agreement(upload_dir)

    # Commitments: a block of its own (other records, such as meetings, come in blocks beside it) ------------

    def _add_commitments(self, upload_dir):
        """- commitments["submitted"]: open, of association A, recorded by its officer, on the submitted project;
        - commitments["agreed"]: reported fulfilled by commune A, on the agreed project (the other side: the
          association and the partner);
        - commitments["other"]: open, of association B, on the other project;
        - commitment_evidence[name]: a PDF on each, its file in `upload_dir`;
        - partner_line: the agreed project's line naming the partner, not yet confirmed by it."""
        from tests.commitment_factories import make_commitment

        self.commitments = {
            "submitted": make_commitment(self.submitted, self.association, author=self.users["officer"]),
            "agreed": make_commitment(self.agreed, self.commune_org, "fulfilled", author=self.users["mayor"]),
            "other": make_commitment(self.other, self.association_b, author=self.officer_b),
        }
        self.commitment_evidence = {}
        for name, commitment in self.commitments.items():
            stored_name = f"walk-evidence-{name}-{commitment.id}"
            (upload_dir / stored_name).write_bytes(PDF)
            evidence = CommitmentEvidence(
                commitment_id=commitment.id,
                filename=f"Reçu {name}.pdf",
                stored_name=stored_name,
                content_type="application/pdf",
                size=len(PDF),
            )
            db.session.add(evidence)
            db.session.flush()
            self.commitment_evidence[name] = evidence
        self.partner_line = next(line for line in self.agreed.funding_lines if line.organisation_id == self.partner.id)

        # Meetings (helper-meet) -------------------------------------------------------------------------
        # meeting: commune A's, started an hour ago, inviting association A, the submitted project on its agenda;
        # meeting_minuted: the same, with minutes that association A attended (no answer yet);
        # meeting_other: commune B's, inviting association B: none of the roles is invited or organises it.
        self.meeting = make_meeting(self.commune_org, [self.association], [self.submitted])
        self.meeting_minuted = make_meeting(self.commune_org, [self.association], [self.submitted], minutes=True)
        self.meeting_other = make_meeting(self.commune_org_b, [self.association_b], [self.other])

    # Disputes -------------------------------------------------------------------------------------------------

    def _add_disputes(self, upload_dir):
        """- disputes["agreed"]: association A against the partner on the agreed project, in mediation with the
          mediator (its parties: the officer, the member, the representative; the partner's observer and the
          mayor are outsiders);
        - disputes["other"]: association B against commune B on the other project, open: none of the roles but
          the mediator and the admin sees it;
        - dispute_document: a PDF given in disputes["agreed"], its file in `upload_dir`;
        - mediation_session: a session of disputes["agreed"], held by the ministry, inviting its two parties."""
        from portal.models import DisputeDocument, MediationSession
        from tests.dispute_factories import make_dispute

        self.disputes = {
            "agreed": make_dispute(self, "in_mediation", project=self.agreed, mediator_id=self.users["mediator"].id),
            "other": make_dispute(
                self, "open", project=self.other, claimant=self.association_b, respondent=self.commune_org_b
            ),
        }
        stored_name = "walk-dispute-document"
        (upload_dir / stored_name).write_bytes(PDF)
        self.dispute_document = DisputeDocument(
            dispute_id=self.disputes["agreed"].id,
            filename="Relevé bancaire.pdf",
            stored_name=stored_name,
            content_type="application/pdf",
            size=len(PDF),
        )
        db.session.add(self.dispute_document)
        self.mediation_session = make_meeting(
            self.ministry, [self.association, self.partner], [], commune_id=self.agreed.commune_id
        )
        self.mediation_session.mediation = MediationSession(dispute_id=self.disputes["agreed"].id)
        db.session.flush()
        self._add_indicators()

    # Indicators -----------------------------------------------------------------------------------------------

    def _add_indicators(self):
        """indicator_value: commune A's population in 2024, entered by its mayor."""
        self.indicator_value = IndicatorValue(
            commune_id=self.commune_a.id,
            indicator="population",
            year=2024,
            value=12000,
            unit="persons",
            source="RGPH",
            entered_by_id=self.users["mayor"].id,
        )
        db.session.add(self.indicator_value)
        db.session.flush()

    # After agreement -------------------------------------------------------------------------------------------

    def _add_after_agreement(self, upload_dir):
        """- contributions["agreed"]: a tranche reported by association A on the agreed project's association line
          (the commune receives it), with a proof; contributions["other"]: one on the other project;
        - handed_over: a public project of association A handed over to commune A's organisation, in the register,
          with a check (facility_check) whose photo is a PNG."""
        from portal.models import DeliveryFile, FacilityCheck
        from tests.delivery_factories import make_contribution, make_facility

        self.contributions = {
            "agreed": make_contribution(self.agreed, 0, 100_000),
            "other": make_contribution(self.other, 0, 50_000),
        }
        self.delivery_files = {}
        for name, contribution in self.contributions.items():
            stored_name = f"walk-proof-{name}-{contribution.id}"
            (upload_dir / stored_name).write_bytes(PDF)
            proof = DeliveryFile(
                project_id=contribution.project_id,
                filename=f"Virement {name}.pdf",
                stored_name=stored_name,
                content_type="application/pdf",
                size=len(PDF),
            )
            db.session.add(proof)
            db.session.flush()
            contribution.proof_id = proof.id
        self.handed_over = make_facility(
            self.association, self.commune_a, self.commune_org, "working", title="Puits de Kobadiala"
        )
        stored_name = f"walk-photo-{self.handed_over.id}"
        (upload_dir / stored_name).write_bytes(PNG)
        photo = DeliveryFile(
            project_id=self.handed_over.id,
            filename="puits.png",
            stored_name=stored_name,
            content_type="image/png",
            size=len(PNG),
        )
        db.session.add(photo)
        db.session.flush()
        self._thumbnail(upload_dir, photo)
        self.facility_check = FacilityCheck(
            project_id=self.handed_over.id, condition="working", remark="La pompe marche.", photo_id=photo.id
        )
        db.session.add(self.facility_check)
        db.session.flush()
        # progress_report: the commune's report on the agreed project, with a PNG photo.
        from portal.models import ProgressReport

        stored_name = f"walk-progress-{self.agreed.id}"
        (upload_dir / stored_name).write_bytes(PNG)
        progress_photo = DeliveryFile(
            project_id=self.agreed.id,
            filename="chantier.png",
            stored_name=stored_name,
            content_type="image/png",
            size=len(PNG),
        )
        db.session.add(progress_photo)
        db.session.flush()
        self._thumbnail(upload_dir, progress_photo)
        self.progress_report = ProgressReport(
            project_id=self.agreed.id, percent_complete=20, spending=[], remarks="Fouilles.", photo_id=progress_photo.id
        )
        db.session.add(self.progress_report)
        db.session.flush()
        # amendment: association A proposes 700,000 F CFA instead of 600,000 on the agreed project's own line.
        from portal.models import Amendment

        line = self.agreed.funding_lines[0]
        self.amendment = Amendment(
            project_id=self.agreed.id,
            proposed_by_organisation_id=self.association.id,
            proposed_by_id=self.users["officer"].id,
            reason="Le forage descend plus bas.",
            before={"budget": {}, "funding": {str(line.id): "600000"}},
            after={"budget": {}, "funding": {str(line.id): "700000"}},
            project_version=self.agreed.version,
        )
        db.session.add(self.amendment)
        db.session.flush()
        # acceptance: the handed-over project's provisional acceptance, its signed record a PDF.
        from portal.models import WorksAcceptance

        stored_name = f"walk-acceptance-{self.handed_over.id}"
        (upload_dir / stored_name).write_bytes(PDF)
        signed = DeliveryFile(
            project_id=self.handed_over.id,
            filename="PV de réception.pdf",
            stored_name=stored_name,
            content_type="application/pdf",
            size=len(PDF),
        )
        db.session.add(signed)
        db.session.flush()
        self.acceptance = WorksAcceptance(
            project_id=self.handed_over.id,
            kind="provisional",
            accepted_on=utcnow().date(),
            participants="Maire, association, entreprise",
            record_id=signed.id,
        )
        db.session.add(self.acceptance)
        db.session.flush()
        # convention: the handed-over project's, signed (a PDF), its deliberation recorded.
        from portal.models import ProjectConvention

        stored_name = f"walk-convention-{self.handed_over.id}"
        (upload_dir / stored_name).write_bytes(PDF)
        signed_copy = DeliveryFile(
            project_id=self.handed_over.id,
            filename="Convention signée.pdf",
            stored_name=stored_name,
            content_type="application/pdf",
            size=len(PDF),
        )
        db.session.add(signed_copy)
        db.session.flush()
        db.session.add(
            ProjectConvention(
                project_id=self.handed_over.id,
                deliberation_number="2025-031/CD",
                deliberation_date=utcnow().date(),
                signed_file_id=signed_copy.id,
                signed_at=utcnow(),
            )
        )
        db.session.flush()

    def _thumbnail(self, upload_dir, photo):
        """The photo's thumbnail, as portal/domain/thumbnails.py would keep it (its bytes do not matter here)."""
        from portal.models import DeliveryFile

        stored_name = f"walk-thumbnail-{photo.id}"
        (upload_dir / stored_name).write_bytes(PNG)
        thumbnail = DeliveryFile(
            project_id=photo.project_id,
            filename=f"miniature-{photo.filename}",
            stored_name=stored_name,
            content_type="image/jpeg",
            size=len(PNG),
        )
        db.session.add(thumbnail)
        db.session.flush()
        photo.thumbnail_id = thumbnail.id
        db.session.flush()


@dataclass
class Walk:
    world: World
    connection: object
    sids: dict  # role → the browser session token of that role's user
    tokens: dict  # role → the API bearer token of that role's user


@pytest.fixture(scope="module")
def walk(app, tmp_path_factory):
    """The walk's records, committed into one outer transaction for the whole module (see the docstring)."""
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    original_upload_dir = app.config["UPLOAD_DIR"]
    upload_dir = tmp_path_factory.mktemp("walk-uploads")
    app.config["UPLOAD_DIR"] = str(upload_dir)
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    )
    try:
        with app.app_context():
            world = World(upload_dir)
            db.session.commit()
        client = app.test_client()
        sids, tokens = {}, {}
        for role in ROLES[1:]:
            user = world.users[role]
            sids[role] = sign_in(client, user)
            response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
            assert response.status_code == 201, response.get_json()
            tokens[role] = response.get_json()["token"]
        db.session.remove()
        yield Walk(world, connection, sids, tokens)
    finally:
        db.session.remove()
        db.session = original
        app.config["UPLOAD_DIR"] = original_upload_dir
        outer.rollback()
        connection.close()


class WalkClient:
    """A test client signed in as one role: browser paths with its session, /api/ paths with its token."""

    def __init__(self, app, walk: Walk):
        self.walk = walk
        self.client = app.test_client()
        self.role = "anonymous"

    def sign_in_as(self, role: str) -> None:
        self.role = role
        with self.client.session_transaction() as flask_session:
            flask_session.clear()
            if role != "anonymous":
                flask_session["sid"] = self.walk.sids[role]

    def open(self, path: str, method: str = "GET", **kwargs):
        if path.startswith("/api/") and self.role != "anonymous":
            headers = {"Authorization": f"Bearer {self.walk.tokens[self.role]}", **kwargs.pop("headers", {})}
            kwargs["headers"] = headers
        return self.client.open(path, method=method, **kwargs)


@pytest.fixture()
def walk_client(app, walk):
    """A client for one test, inside a savepoint of the walk's transaction rolled back at the test's end."""
    savepoint = walk.connection.begin_nested()
    try:
        yield WalkClient(app, walk)
    finally:
        db.session.remove()
        if savepoint.is_active:
            savepoint.rollback()

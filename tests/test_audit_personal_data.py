"""Personal data beside the audit chain (product.md, "History"): the chain hashes a salted digest of names and
addresses kept beside each event, closing an account erases the clear text, and the chain still verifies."""

import hashlib
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from portal import create_app
from portal.database import UTCDateTime
from portal.domain import accounts
from portal.domain.audit import record
from portal.extensions import db
from portal.models import AuditEvent
from tests.conftest import own_database_url, reset_database
from tests.factories import PASSWORD, add_member, make_organisation, make_user

NEWCOMER = "aminata.traore@example.org"
NEWCOMER_NAME = "Aminata Traoré"


def _chain_text(session) -> str:
    """Every column of every event of the chain, as one text: what anyone holding the database reads."""
    rows = session.execute(sa.text("SELECT * FROM audit_events ORDER BY id")).all()
    return "\n".join(json.dumps([str(value) for value in row], ensure_ascii=False) for row in rows)


def _beside_text(session) -> str:
    rows = session.execute(sa.text("SELECT * FROM audit_personal_data")).all()
    return "\n".join(json.dumps([str(value) for value in row], ensure_ascii=False) for row in rows)


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


@pytest.fixture()
def newcomer(app_context, session):
    """Someone invited by address who joins with a new account: their address and name reach the audit log."""
    officer = make_user()
    association = make_organisation("association")
    add_member(officer, association, "officer")
    invitation = accounts.invite(officer, association, NEWCOMER, "member")
    user = accounts.accept_invitation(invitation, None, name=NEWCOMER_NAME, password=PASSWORD)
    session.commit()
    return user


def test_names_and_addresses_sit_beside_the_chain_and_show_while_they_exist(app, session, newcomer):
    chain = _chain_text(session)
    assert NEWCOMER not in chain and NEWCOMER_NAME not in chain
    exported = accounts.personal_data(newcomer)["audit_personal_data"]
    assert {"action": "invitation.create"} | {"data": {"email": NEWCOMER}} in [
        {"action": item["action"], "data": item["data"]} for item in exported
    ]
    assert {"email": NEWCOMER, "name": NEWCOMER_NAME} in [item["data"] for item in exported]
    verified = _verify(app)
    assert verified.exit_code == 0, verified.output


def test_closing_an_account_erases_its_name_and_address_and_the_chain_still_verifies(app, session, newcomer):
    before = session.scalar(select(sa.func.count()).select_from(AuditEvent))
    accounts.close_account(newcomer, PASSWORD)
    session.commit()

    for text in (_chain_text(session), _beside_text(session)):
        assert NEWCOMER not in text and NEWCOMER_NAME not in text
    assert session.scalar(select(sa.func.count()).select_from(AuditEvent)) == before + 1  # nothing removed
    verified = _verify(app)
    assert verified.exit_code == 0, verified.output
    assert "keep only the digest of personal data erased at closure" in verified.output


def test_a_clear_text_rewritten_beside_the_chain_is_caught(app, session, newcomer):
    session.execute(sa.text("UPDATE audit_personal_data SET data = :data"), {"data": '{"email": "x@example.org"}'})
    session.commit()
    verified = _verify(app)
    assert verified.exit_code == 1
    assert "does not match its digest" in verified.output


@pytest.mark.parametrize(
    ("subject_type", "after"),
    [
        ("user", {"email": "kadia@example.org"}),
        ("user", {"name": "Kadia Diallo"}),
        ("organisation", {"invitation_id": 3, "email": "kadia@example.org"}),
        ("organisation", {"members": [{"user_id": 1, "phone": "+223 76 00 00 00"}]}),
    ],
)
def test_the_hashed_part_of_an_event_refuses_personal_data(app_context, session, subject_type, after):
    with pytest.raises(ValueError, match="personal="):
        record("user.create", subject_type, 1, after=after)


# Past events: migration 0017 moves them to this shape, re-hashes the chain, and records it.

OLD_REVISION = "0016_second_factor_secrets"  # the revision before 0017


def _old_hash(event: dict, prev_hash: str) -> str:
    """The hash of an event as the portal computed it up to revision 0016 (README, "The audit log")."""
    content = {key: event[key] for key in ("actor_id", "action", "subject_type", "subject_id", "before", "after")}
    content |= {"at": event["at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "comment": None, "prev_hash": prev_hash}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture()
def old_database(tmp_path, worker_id):
    url = own_database_url("audit_0015", tmp_path, worker_id)
    anchors = tmp_path / "anchors.jsonl"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, AUDIT_ANCHOR_FILE=str(anchors))
    with app.app_context():
        reset_database()
        upgrade(revision=OLD_REVISION)
        yield app, anchors
        db.session.remove()
        db.engine.dispose()


_INSERT_OLD_EVENT = sa.text(
    "INSERT INTO audit_events (id, at, actor_id, action, subject_type, subject_id, before, after, prev_hash, hash) "
    "VALUES (:id, :at, :actor_id, :action, :subject_type, :subject_id, :before, :after, :prev_hash, :hash)"
).bindparams(
    sa.bindparam("at", type_=UTCDateTime()),
    sa.bindparam("before", type_=sa.JSON()),
    sa.bindparam("after", type_=sa.JSON()),
)


def _insert_old_events(events: list[dict]) -> list[str]:
    """Events as the portal wrote them up to revision 0016, names and addresses in the hashed part."""
    hashes = []
    for number, event in enumerate(events, start=1):
        prev_hash = hashes[-1] if hashes else "0" * 64
        hashes.append(_old_hash(event, prev_hash))
        db.session.execute(_INSERT_OLD_EVENT, {**event, "id": number, "prev_hash": prev_hash, "hash": hashes[-1]})
    return hashes


def _event(action, subject_type, subject_id, before=None, after=None, minute=0):
    return {
        "at": datetime(2026, 12, 1, 9, minute, 30, 250000, tzinfo=UTC),
        "actor_id": subject_id if subject_type == "user" else 1,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "before": before,
        "after": after,
    }


def test_past_events_move_beside_the_chain_in_one_recorded_migration(old_database):
    app, anchors = old_database
    gone = "seydou.keita@example.org"
    hashes = _insert_old_events(
        [
            _event("user.create", "user", 1, after={"email": "kadia@example.org", "name": "Kadia Diallo"}),
            _event("invitation.create", "organisation", 5, after={"email": gone, "role": "member"}, minute=1),
            _event("user.create", "user", 2, after={"email": gone, "name": "Seydou Keïta"}, minute=2),
            _event("project.submit", "project", 7, {"status": "draft"}, {"status": "submitted"}, minute=3),
            _event("user.change_email", "user", 1, {"email": "kadia@example.org"}, {"email": "k@example.org"}, 4),
            _event("user.close", "user", 2, minute=5),
        ]
    )
    # Seydou closed the account before this revision: the portal had erased its own row, not the chain.
    # An anchor of this database, and one of another database sharing the file (written before either had a name).
    anchors.write_text(
        json.dumps({"at": "2026-12-01T10:00:00+00:00", "count": 6, "last_id": 6, "hash": hashes[-1]})
        + "\n"
        + json.dumps({"at": "2026-12-01T10:00:01+00:00", "count": 229, "last_id": 229, "hash": "ab" * 32})
        + "\n"
    )
    db.session.execute(
        sa.text(
            "INSERT INTO users (id, email, name, is_admin, created_at, version) VALUES (2, :email, :name, :no, :at, 1)"
        ).bindparams(sa.bindparam("at", type_=UTCDateTime())),
        {
            "email": "closed-2@closed.invalid",
            "name": "Ancien membre",
            "no": False,
            "at": datetime(2026, 12, 1, tzinfo=UTC),
        },
    )
    db.session.commit()

    upgrade()

    verified = _verify(app)
    assert verified.exit_code == 0, verified.output
    assert "Checked 7 events and 2 anchors of this database" in verified.output  # and the re-hash's own
    lines = [json.loads(line) for line in anchors.read_text().splitlines()]
    before, after = lines[2], lines[3]
    assert before["kind"] == "rehash_before" and before["hash"] == hashes[-1] and before["last_id"] == 6
    assert "1 match this log and 1 do not" in before["note"]
    newest = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert after["kind"] == "rehash_after" and after["hash"] == newest.hash and after["count"] == 7
    assert newest.action == "audit.rehash" and newest.before == {"last_id": 6, "hash": hashes[-1]}
    assert before["database"] == after["database"]
    chain = _chain_text(db.session)
    for personal in ("kadia@example.org", "k@example.org", "Kadia Diallo", gone, "Seydou Keïta"):
        assert personal not in chain
    beside = _beside_text(db.session)
    assert "kadia@example.org" in beside and "Kadia Diallo" in beside  # an open account's, until it closes
    assert gone not in beside and "Seydou Keïta" not in beside  # a closed account's: erased
    submitted = db.session.get(AuditEvent, 4)
    assert (submitted.before, submitted.after) == ({"status": "draft"}, {"status": "submitted"})
    record("project.comment", "project", 7, actor=1, comment="La suite.")  # the log goes on after it
    db.session.commit()
    assert _verify(app).exit_code == 0


def test_the_migration_refuses_to_rehash_a_chain_that_does_not_verify(old_database, capfd):
    hashes = _insert_old_events(
        [
            _event("user.create", "user", 1, after={"email": "kadia@example.org", "name": "Kadia Diallo"}),
            _event("project.submit", "project", 7, {"status": "draft"}, {"status": "submitted"}, minute=1),
        ]
    )
    assert len(hashes) == 2
    if db.engine.dialect.name == "postgresql":  # what someone holding the database could do
        db.session.execute(sa.text("DROP TRIGGER audit_events_no_change ON audit_events"))
    else:
        db.session.execute(sa.text("DROP TRIGGER audit_events_no_update"))
    db.session.execute(
        sa.text("UPDATE audit_events SET after = :after WHERE id = 2"), {"after": '{"status": "agreed"}'}
    )
    db.session.commit()
    with pytest.raises(SystemExit):  # how flask-migrate ends a migration that failed
        upgrade()
    assert "audit event 2 does not match" in capfd.readouterr().err
    db.session.remove()
    assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == OLD_REVISION
    assert "kadia@example.org" in str(db.session.scalar(sa.text("SELECT after FROM audit_events WHERE id = 1")))


def test_going_down_again_puts_the_old_shape_and_its_hashes_back(old_database):
    hashes = _insert_old_events(
        [
            _event("user.create", "user", 1, after={"email": "kadia@example.org", "name": "Kadia Diallo"}),
            _event(
                "invitation.create", "organisation", 5, after={"email": "x@example.org", "role": "member"}, minute=1
            ),
            _event("project.submit", "project", 7, {"status": "draft"}, {"status": "submitted"}, minute=2),
        ]
    )
    db.session.commit()
    upgrade()
    db.session.remove()

    downgrade(revision=OLD_REVISION)

    rows = db.session.execute(sa.text("SELECT hash FROM audit_events ORDER BY id")).scalars().all()
    assert rows[:3] == hashes  # and the re-hash's event after them
    assert "kadia@example.org" in _chain_text(db.session)

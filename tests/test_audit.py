"""The audit log: appended in a chain, refused any change, and checked by `flask audit verify`."""

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from portal.domain.audit import record, verify_chain
from portal.models.audit import GENESIS_HASH, AuditEvent


def _three_events():
    return [
        record("project.submit", "project", 7, actor=3, before={"status": "draft"}, after={"status": "submitted"}),
        record("project.start_review", "project", 7, actor=4, comment="Reçu, nous regardons."),
        record("commitment.create", "commitment", 2, actor=4, after={"amount": "1500000", "currency": "XOF"}),
    ]


def test_each_event_chains_onto_the_one_before(session):
    first, second, third = _three_events()
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3


def test_verify_counts_the_events_of_an_intact_chain(app, session):
    _three_events()
    session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Checked 3 events" in result.output


def test_the_database_refuses_to_change_or_delete_an_event(session):
    event = _three_events()[0]
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with session.begin_nested():
            session.execute(sa.update(AuditEvent).where(AuditEvent.id == event.id).values(comment="rewritten"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with session.begin_nested():
            session.execute(sa.delete(AuditEvent).where(AuditEvent.id == event.id))


def _drop_guards(session):
    """What someone with direct access to the database could do: remove the triggers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("DROP TRIGGER audit_events_no_change ON audit_events"))
    else:
        session.execute(sa.text("DROP TRIGGER audit_events_no_update"))
        session.execute(sa.text("DROP TRIGGER audit_events_no_delete"))


@pytest.mark.parametrize("tamper", ["rewrite_comment", "change_state", "delete_middle"])
def test_verify_names_the_first_event_that_was_tampered_with(app, session, tamper):
    first, second, third = _three_events()
    _drop_guards(session)
    if tamper == "rewrite_comment":
        session.execute(sa.update(AuditEvent).where(AuditEvent.id == second.id).values(comment="Jamais reçu."))
        bad = second
    elif tamper == "change_state":
        session.execute(sa.update(AuditEvent).where(AuditEvent.id == first.id).values(after={"status": "agreed"}))
        bad = first
    else:
        session.execute(sa.delete(AuditEvent).where(AuditEvent.id == second.id))
        bad = third
    session.commit()  # as a request would: what the CLI's own app context sees

    result = app.test_cli_runner().invoke(args=["audit", "verify"])

    assert result.exit_code == 1
    assert f"event {bad.id} " in result.output
    assert verify_chain().first_bad.id == bad.id


def test_values_are_stored_as_they_were_hashed(session):
    from decimal import Decimal

    event = record("funding.add", "project", 1, after={"amount": Decimal("6559570"), "note": "école de Diéma"})
    session.expire_all()
    stored = session.scalar(select(AuditEvent).where(AuditEvent.id == event.id))
    assert stored.after == {"amount": "6559570", "note": "école de Diéma"}
    assert stored.compute_hash() == stored.hash


# Anchors: the latest hash kept outside the database, so that removing the newest events, or rewriting the whole
# chain with its hashes recomputed, shows.


@pytest.fixture()
def anchors(app, tmp_path, monkeypatch):
    path = tmp_path / "anchors.jsonl"
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(path))
    return path


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_an_anchor_keeps_the_latest_hash_and_count_outside_the_database(app, session, anchors):
    first, second, third = _three_events()
    session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "anchor"])
    assert result.exit_code == 0, result.output
    assert f"Anchored 3 events, up to event {third.id}" in result.output
    [line] = anchors.read_text().splitlines()
    assert f'"last_id": {third.id}' in line and f'"hash": "{third.hash}"' in line and '"count": 3' in line
    record("project.agree", "project", 7, actor=4)  # the log goes on after an anchor
    session.commit()
    verified = _verify(app)
    assert verified.exit_code == 0, verified.output
    assert "Checked 4 events and 1 anchors" in verified.output


def test_removing_the_newest_events_is_seen_through_the_anchor(app, session, anchors):
    first, second, third = _three_events()
    session.commit()
    app.test_cli_runner().invoke(args=["audit", "anchor"])
    _drop_guards(session)
    session.execute(sa.delete(AuditEvent).where(AuditEvent.id == third.id))  # the chain alone still holds
    session.commit()
    assert verify_chain().first_bad is None
    result = _verify(app)
    assert result.exit_code == 1
    assert f"names event {third.id}" in result.output and "no longer holds" in result.output


def test_a_chain_rewritten_whole_with_its_hashes_recomputed_is_seen_through_the_anchor(app, session, anchors):
    first, second, third = _three_events()
    session.commit()
    app.test_cli_runner().invoke(args=["audit", "anchor"])
    _drop_guards(session)
    session.execute(sa.update(AuditEvent).where(AuditEvent.id == second.id).values(comment="Jamais reçu."))
    session.expire_all()
    previous = GENESIS_HASH
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all():  # as a forger would
        session.expunge(event)  # a copy to compute with, not a row the ORM would try to update
        event.prev_hash = previous
        forged = event.compute_hash()
        session.execute(sa.update(AuditEvent).where(AuditEvent.id == event.id).values(prev_hash=previous, hash=forged))
        previous = forged
    session.expire_all()
    session.commit()
    assert verify_chain().first_bad is None
    result = _verify(app)
    assert result.exit_code == 1
    assert f"names event {third.id}" in result.output


def test_the_anchor_is_a_daily_scheduled_job(app_context, session, anchors):
    from datetime import timedelta

    from portal.cli.jobs import SCHEDULED_JOBS
    from portal.domain.audit import write_anchor

    [job] = [job for job in SCHEDULED_JOBS if job.name == "audit_anchor"]
    assert job.every == timedelta(days=1) and job.func is write_anchor
    _three_events()
    session.commit()
    job.func(None)
    assert len(anchors.read_text().splitlines()) == 1


# Anchors name their database: one checkout serves SQLite and PostgreSQL (or two DATABASE_URLs) with one
# AUDIT_ANCHOR_FILE, and each database verifies against its own anchors only.


@pytest.fixture()
def two_databases(tmp_path, worker_id):
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from tests.conftest import own_database_url, reset_database

    anchors = tmp_path / "audit-anchors.jsonl"
    urls = (own_database_url("anchors_first", tmp_path, worker_id), f"sqlite:///{tmp_path / 'second.db'}")
    apps = [create_app("test", SQLALCHEMY_DATABASE_URI=url, AUDIT_ANCHOR_FILE=str(anchors)) for url in urls]
    for app in apps:
        with app.app_context():
            reset_database()
            upgrade()
            db.session.remove()
    yield apps, anchors
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def _record_and_anchor(app, events: int):
    from portal.extensions import db

    with app.app_context():
        for n in range(events):
            record("project.comment", "project", 7, actor=3, comment=f"Message {n}")
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "anchor"])
    assert result.exit_code == 0, result.output


def test_two_databases_sharing_one_anchor_file_each_verify(two_databases):
    (first, second), anchors = two_databases
    _record_and_anchor(first, 3)
    _record_and_anchor(second, 2)  # event 2 of the second is not event 2 of the first
    _record_and_anchor(first, 2)
    _record_and_anchor(second, 4)
    assert len(anchors.read_text().splitlines()) == 4
    for app, events in ((first, 5), (second, 6)):
        result = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 0, result.output
        assert f"Checked {events} events and 2 anchors of this database" in result.output
        assert "2 anchors in the file name other databases" in result.output


def test_an_anchor_names_the_database_it_anchors(two_databases):
    import json

    (first, second), anchors = two_databases
    _record_and_anchor(first, 1)
    _record_and_anchor(second, 1)
    named = [json.loads(line)["database"] for line in anchors.read_text().splitlines()]
    assert len(set(named)) == 2 and all(len(name) >= 32 for name in named)


def test_after_a_postgresql_restore_the_newer_anchors_are_set_aside_by_hand(app, session, anchors):
    from portal.extensions import db

    _three_events()
    session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "anchor"]).exit_code == 0
    lines = anchors.read_text().splitlines()
    # The dump was made before that anchor; restoring it took the three events away.
    _drop_guards(session)
    session.execute(sa.delete(AuditEvent))
    session.commit()
    assert _verify(app).exit_code == 1
    db.session.remove()

    result = runner.invoke(args=["audit", "set-aside", "2026-01-01T00:00:00"])

    assert result.exit_code == 0, result.output
    assert "Set aside 1 audit anchors newer than the backup into" in result.output
    [aside] = list(anchors.parent.glob("anchors.set-aside-*.jsonl"))
    assert aside.read_text().splitlines() == lines and anchors.read_text() == ""
    assert _verify(app).exit_code == 0

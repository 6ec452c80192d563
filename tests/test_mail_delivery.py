"""The acceptance scenario of "notifications that always arrive", automated.

Every demo account asks for a password reset through the page; SendGrid (the local stub) fails about 30 % of
the calls — 500s, 429s, and calls held past the client's timeout — and the outbox workers deliver every
mail anyway: from MAIL_FROM, with a subject, in the account's language, with a link that opens the form.

The workers commit across connections and threads, so this module does not use the rolled-back `session`:
like tests/test_outbox.py it works on committed rows, in the "outbox" xdist group. Its data (the demo,
whose audit events can never be deleted) lives in a database of its own, so that nothing it commits
reaches the other tests.
"""

import random
import re
import threading
import time

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete, func, select

from portal import create_app
from portal.cli.demo import ACCOUNTS, seed_demo
from portal.extensions import db
from portal.models import Commitment, Organisation, OutboxMessage, OutboxStatus, Project, User
from portal.notifications.worker import work_forever
from tests.conftest import own_database_url, reset_database
from tests.sendgrid_stub import HOLD, SendGridStub

pytestmark = pytest.mark.xdist_group("outbox")

CLIENT_TIMEOUT = 0.5  # seconds; the stub holds some calls twice as long (a loaded machine answers slowly)
MAIL_FROM = "Portail communes-diaspora <no-reply@portail.example.org>"
ENGLISH_ACCOUNT = "observer@example.org"
DELIVERY_DEADLINE = 30.0  # seconds; it takes about one


@pytest.fixture(scope="module")
def stub():
    server = SendGridStub(hold_seconds=CLIENT_TIMEOUT * 2).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def delivery_app(tmp_path_factory, worker_id, stub):
    """The portal on a database of its own with the demo data, delivering through the stub, timings tiny."""
    url = own_database_url("delivery", tmp_path_factory.mktemp("delivery"), worker_id)
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=url,
        SENDGRID_API_KEY="test-key",
        SENDGRID_API_HOST=stub.url,
        SENDGRID_TIMEOUT=CLIENT_TIMEOUT,
        MAIL_FROM=MAIL_FROM,
        PUBLIC_URL="https://portail.example.org",
        OUTBOX_LEASE_SECONDS=5,  # well beyond one send: a lapsed lease would mean a (legitimate) duplicate
        OUTBOX_MAX_ATTEMPTS=30,  # 0.3^30: nothing may die of bad luck
        OUTBOX_BACKOFF_BASE_SECONDS=0.01,
        OUTBOX_BACKOFF_MAX_SECONDS=0.05,
        OUTBOX_BATCH_SIZE=4,
        WORKER_IDLE_SECONDS=0.02,
    )
    with app.app_context():
        reset_database()
        upgrade()
        seed_demo()
        db.session.scalar(select(User).where(User.email == ENGLISH_ACCOUNT)).locale = "en"
        db.session.execute(delete(OutboxMessage))  # whatever the demo's own operations queued
        db.session.commit()
    yield app
    with app.app_context():  # the file goes with the temporary directory; PostgreSQL's is emptied at next use
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def no_proxies(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def _undelivered(app) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != OutboxStatus.SENT)
        )
        db.session.rollback()
        return count


def _run_workers(app, count: int) -> None:
    """`count` outbox workers, each the real loop in its own thread, until every mail is sent (bounded)."""
    stop = threading.Event()
    workers = [
        threading.Thread(target=work_forever, args=(app, stop), kwargs={"worker_id": f"acceptance-{n}"})
        for n in range(count)
    ]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + DELIVERY_DEADLINE
    try:
        while _undelivered(app) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for worker in workers:
            worker.join(10)
    assert not any(worker.is_alive() for worker in workers)
    assert _undelivered(app) == 0, f"not everything was delivered within {DELIVERY_DEADLINE} s"


def test_every_demo_account_gets_its_reset_link_through_a_failing_sendgrid(delivery_app, stub, no_proxies):
    stub.reset()
    dice = random.Random(30)
    lock = threading.Lock()

    def flaky(body):
        with lock:
            roll = dice.random()
        return 500 if roll < 0.12 else 429 if roll < 0.24 else HOLD if roll < 0.30 else 202

    stub.script(500, HOLD, 429)  # each kind of failure at least once, whatever the dice say
    stub.decide = flaky

    client = delivery_app.test_client()
    emails = [email for email, _name, _admin, _locale in ACCOUNTS]
    for email in emails:
        response = client.post("/auth/reset-password", data={"email": email})
        assert response.status_code == 200, email

    _run_workers(delivery_app, count=2)

    with delivery_app.app_context():
        rows = {row.to_email: row for row in db.session.scalars(select(OutboxMessage))}
        locales = dict(db.session.execute(select(User.email, User.locale)).all())
    assert set(rows) == set(emails) and {row.event for row in rows.values()} == {"password_reset"}
    accepted = stub.accepted_counts()
    assert accepted == {row.id: 1 for row in rows.values()}  # every mail once, none twice
    failures = [r for r in stub.requests if not r.accepted]
    assert {r.answer for r in failures} == {500, 429, HOLD}
    assert all(rows[email].attempts == len(stub.requests_for(rows[email].id)) for email in emails)

    for email in emails:
        [request] = [r for r in stub.requests_for(rows[email].id) if r.accepted]
        body = request.body
        assert body["from"] == {"email": "no-reply@portail.example.org", "name": "Portail communes-diaspora"}
        assert body["personalizations"][0]["to"] == [{"email": email}]
        text = next(c["value"] for c in body["content"] if c["type"] == "text/plain")
        html = next(c["value"] for c in body["content"] if c["type"] == "text/html")
        if locales[email] == "en":
            assert email == ENGLISH_ACCOUNT
            assert body["subject"] == "Reset your password" and text.startswith("Hello ")
        else:
            assert body["subject"] == "Réinitialisez votre mot de passe" and text.startswith("Bonjour ")
        link = re.search(r"https://portail\.example\.org(/auth/reset-password/[^\s\"<>]+)", text).group(1)
        assert f'href="https://portail.example.org{link}"' in html
        stored = rows[email]  # the outbox kept the mail without the link: it was signed as the mail left
        assert (
            link not in stored.body_text + (stored.body_html or "") and "/auth/reset-password/" not in stored.body_text
        )
        page = delivery_app.test_client().get(link)
        assert page.status_code == 200, (email, link)
        assert 'name="password"' in page.get_data(as_text=True)


def test_each_workflow_event_reaches_the_people_the_events_table_names_in_french(delivery_app, stub, no_proxies):
    """A step of each workflow — project, meeting, commitment, dispute — taken through the API as the demo's
    people, with SendGrid failing about 30 % of the calls: every mail queued leaves once, in French, and a
    dispute's mails go to its parties' acting members and the mediator only."""
    stub.reset()
    dice = random.Random(10)
    lock = threading.Lock()

    def flaky(body):
        with lock:
            roll = dice.random()
        return 500 if roll < 0.15 else 429 if roll < 0.30 else 202

    stub.decide = flaky
    client = delivery_app.test_client()

    def token(email):
        response = client.post("/api/v1/tokens", json={"email": email, "password": "demo-password"})
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    mayor, officer, mediator = (
        token("mayor@example.org"),
        token("association@example.org"),
        token("mediator@example.org"),
    )
    with delivery_app.app_context():
        db.session.execute(delete(OutboxMessage))
        db.session.commit()
        maternity = db.session.scalar(select(Project.id).where(Project.title == "Maternité de Diéma"))
        review = db.session.scalar(select(Project.id).where(Project.status == "under_review"))
        town_a = db.session.scalar(select(Organisation).where(Organisation.name == "Diéma"))
        association_a = db.session.scalar(select(Project.association_id).where(Project.id == maternity))
        promise = db.session.scalar(
            select(Commitment.id).where(Commitment.description == "Délibération du conseil sur la part communale")
        )
        town_a_id, commune_a = town_a.id, town_a.commune_id

    steps = [
        (mayor, f"/api/v1/projects/{review}/transitions", {"action": "open_consultation"}, 200),
        (
            mayor,
            "/api/v1/meetings",
            {
                "title": "Concertation de décembre",
                "commune_id": commune_a,
                "project_ids": [review],
                "starts_at": "2027-01-12T10:00:00",
                "timezone": "Africa/Bamako",
                "duration_minutes": 90,
                "location": "Mairie de Diéma",
                "invitee_organisation_ids": [association_a],
            },
            201,
        ),
        (mayor, f"/api/v1/commitments/{promise}/transitions", {"action": "report_fulfilled"}, 200),
        (
            officer,
            "/api/v1/disputes",
            {
                "project_id": maternity,
                "respondent_organisation_id": town_a_id,
                "subject": "Équipement non livré",
                "description": "Le matériel promis n'est pas arrivé.",
            },
            201,
        ),
    ]
    for headers, path, body, status in steps:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == status, (path, response.get_json())
    dispute_id = response.get_json()["id"]
    response = client.post(
        f"/api/v1/disputes/{dispute_id}/transitions", json={"action": "acknowledge"}, headers=mediator
    )
    assert response.status_code == 200, response.get_json()

    _run_workers(delivery_app, count=2)

    with delivery_app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        sent = {(row.event, row.to_email) for row in rows}
    assert stub.accepted_counts() == {row.id: 1 for row in rows}  # every mail once
    events = {event for event, _to in sent}
    assert {"project_open_consultation", "meeting_invited", "commitment_report_fulfilled"} <= events
    # The dispute: association A (the officer acts; its member the treasurer) against commune A (the mayor and
    # the secrétaire général); the mediator. The partner's observer and association B never hear of it.
    assert {to for event, to in sent if event == "dispute_opened"} == {
        "treasurer@example.org",
        "mayor@example.org",
        "clerk@example.org",
        "mediator@example.org",
    }
    assert {to for event, to in sent if event == "dispute_acknowledge"} == {
        "association@example.org",
        "treasurer@example.org",
        "mayor@example.org",
        "clerk@example.org",
    }
    for row in rows:
        [request] = [r for r in stub.requests_for(row.id) if r.accepted]
        text = next(c["value"] for c in request.body["content"] if c["type"] == "text/plain")
        assert text.startswith("Bonjour "), (row.event, row.to_email)

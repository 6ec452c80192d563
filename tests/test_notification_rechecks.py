"""Who is told is who may see, when the notification is shown too (issue 20; style.md rule 15): the inbox and the
daily digest check again that the reader may still see the record. A member removed from a dispute's party no
longer reads the dispute's subject in the inbox (a neutral line, no link) nor in the digest; the inbox still runs
a fixed number of queries, whatever the number and kinds of records its notifications point to."""

import re

import pytest
from sqlalchemy import insert

from portal.database import utcnow
from portal.domain import organisations as organisation_rules
from portal.domain.mail import set_mail_preferences
from portal.models import Membership, Notification, User
from portal.notifications.digest import send_digests
from portal.notifications.notify import notify
from tests.dispute_factories import make_dispute
from tests.helpers import assert_constant_queries
from tests.mail import mails_to
from tests.meeting_factories import make_meeting

SUBJECT = "Tranche non versée"  # the dispute's subject (tests/dispute_factories.py)
WITHHELD = "Une notification sur un élément que vous ne pouvez plus voir."


@pytest.fixture()
def told(app, cast, session):
    """A dispute of association A against the partner; its parties' acting members are told it was opened (the
    association's member and the partner's representative, the officer having opened it). The application
    context is left at once: each request of the test client must get its own (conftest.py, `session`)."""
    with app.app_context():
        dispute = make_dispute(cast)
        notify("dispute_opened", actor=cast.users["officer"], dispute=dispute)
        session.commit()
    return dispute


def _remove_member(app, cast, session):
    """The association's officer removes its member (an application context for the operation, left at once)."""
    with app.app_context():
        officer = session.get(User, cast.users["officer"].id)
        organisation_rules.remove_member(officer, session.get(Membership, cast.member_membership.id))
        session.commit()
    session.expire_all()  # the tests' requests share one session: the next reads the memberships as they are now


def _inbox(client) -> str:
    return re.sub(r"\s+", " ", client.get("/notifications/").get_data(as_text=True))


def test_a_removed_member_no_longer_reads_the_dispute_in_the_inbox(app, client, cast, session, login_as, told):
    login_as("member")
    before = _inbox(client)
    assert SUBJECT in before and f'/disputes/{told.id}"' not in before  # unread: a button that opens it
    _remove_member(app, cast, session)
    after = _inbox(client)
    assert SUBJECT not in after and cast.partner.name not in after
    assert WITHHELD in after  # its place and date kept, its words not
    [notification] = session.query(Notification).filter_by(user_id=cast.users["member"].id, event="dispute_opened")
    opened = client.post(f"/notifications/{notification.id}/read")
    assert opened.status_code == 303 and opened.location == "/notifications/"  # never to the dispute
    login_as("representative")  # still a party: reads it as before
    page = _inbox(client)
    assert SUBJECT in page, page[page.index("<main") :]


def test_a_removed_member_no_longer_reads_the_dispute_in_the_digest(app, cast, session, app_context):
    member, representative = cast.users["member"], cast.users["representative"]
    set_mail_preferences(member, {"disputes": "digest"})
    set_mail_preferences(representative, {"disputes": "digest"})
    dispute = make_dispute(cast)
    notify("dispute_opened", actor=cast.users["officer"], dispute=dispute)
    session.commit()
    _remove_member(app, cast, session)
    assert send_digests() == 1  # the representative's only: the member's one item is left out…
    assert mails_to(member.email, "digest") == []
    [digest] = mails_to(representative.email, "digest")
    assert SUBJECT in digest.body_text
    pending = session.query(Notification).filter_by(user_id=member.id, event="dispute_opened").one()
    assert pending.emailed_at is not None  # …and not kept for tomorrow's


def test_the_inbox_checks_every_kind_of_record_in_a_fixed_number_of_queries(client, cast, session, login_as, told):
    member_id = login_as("member").id
    meeting = make_meeting(cast.commune_org, [cast.association], [told.project])
    session.commit()
    links = [
        f"/disputes/{told.id}",
        f"/projects/{told.project_id}#commitment-1",
        f"/meetings/{meeting.id}",
        f"/organisations/{cast.association.id}",
    ]
    added = []

    def add_rows(n):
        rows = [
            {
                "user_id": member_id,
                "event": "dispute_opened",
                "audience": "parties",
                "params": {},
                "link": links[(len(added) + i) % len(links)],
                "created_at": utcnow(),
                "mail": "none",
            }
            for i in range(n)
        ]
        session.execute(insert(Notification), rows)
        session.commit()
        session.expire_all()  # each request reads afresh, as in production (the tests' requests share a session)
        added.extend(rows)

    # The page's own (session, user, page, unread count), the reader's memberships and their organisations, and
    # one query that checks every record at once.
    assert assert_constant_queries(client, "/notifications/", add_rows, small=8, large=200) <= 7


def test_every_event_links_to_the_record_it_is_checked_against():
    """The inbox reads each notification's record from its link: every event about a record (not about the
    reader's own account) must link to that record, or to its project for a commitment, so that the check holds."""
    from types import SimpleNamespace

    from portal.notifications.events import EVENTS
    from portal.notifications.inbox import record_of

    project = SimpleNamespace(id=11)
    context = {
        "project": project,
        "meeting": SimpleNamespace(id=12),
        "commitment": SimpleNamespace(id=13, project_id=11, project=project),
        "dispute": SimpleNamespace(id=14, project=project),
        "organisation": SimpleNamespace(id=15),
    }
    expected = {11: ("projects", 11), 12: ("meetings", 12), 13: ("projects", 11), 14: ("disputes", 14)}
    expected[15] = ("organisations", 15)
    checked = 0
    for spec in EVENTS.values():
        if spec.security or spec.personal:
            continue
        subject = spec.subject(context)
        link = spec.link(context)
        notification = Notification(event=spec.name, link=link)
        assert record_of(notification) == expected[subject.id], (spec.name, link)
        checked += 1
    assert checked >= 60  # every event about a project, meeting, commitment, dispute or organisation

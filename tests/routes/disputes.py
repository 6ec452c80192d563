"""Disputes' pages and the mediator's desk, walked at the disputes of tests/walk.py, with the rules of
product.md and issue 10: a dispute is seen by its two parties' acting members, mediators and admins; everyone
else gets 404 (a party's observer, the commune's mayor when the commune is no party, the public project's
readers); an anonymous visitor signs in first (302). Who sees it but may not act gets 403 (a party cannot act as
mediator; an admin who is no mediator neither acts as one nor writes in the thread); an empty form where the
role may act is refused (422), or 409 when the dispute's state forbids it.

- disputes["agreed"]: association A (officer, member) against the partner (representative), in mediation with
  the mediator, on the agreed project (whose parties are association A, commune A and the partner);
- disputes["other"]: association B against commune B, open: only the mediator and the admin see it.
"""

from tests.routes import HUGE, HUGE_ID, Sample

AGREED = "/disputes/{w.disputes[agreed].id}"
OTHER = "/disputes/{w.disputes[other].id}"
NONE = f"/disputes/{HUGE}"
PARTIES = ("officer", "member", "representative")

SEE_AGREED = {"anonymous": 302, **dict.fromkeys(("admin", "mediator", *PARTIES), 200), "*": 404}
SEE_OTHER = {"anonymous": 302, "admin": 200, "mediator": 200, "*": 404}
EMPTY: dict = {}


def act(see: dict, **roles) -> dict:
    """Who sees the dispute but may not act: 403; who does not see it: as in `see`; `roles` as given."""
    return {**{role: 403 if status == 200 else status for role, status in see.items()}, **roles}


def samples(suffix: str, agreed: dict, other: dict, form=None) -> list[Sample]:
    return [
        Sample(AGREED + suffix, agreed, "agreed", form=form),
        Sample(OTHER + suffix, other, "other", form=form),
        Sample(NONE + suffix, {"*": 404}, HUGE_ID, form=form),
    ]


# Opening: the acting members of the project's parties (the agreed project: association A, commune A, the
# partner); who sees the project but is no party gets 403; a project one may not see, or none, 404.
OPENERS = {"anonymous": 302, **dict.fromkeys(("officer", "member", "mayor", "representative"), 200), "*": 403}
NEW_AGREED = "/disputes/new?project_id={w.agreed.id}"
NEW_OTHER = "/disputes/new?project_id={w.other.id}"
SEE_OTHER_PROJECT = {"anonymous": 302, "admin": 403, "mediator": 403, "observer": 403, "*": 404}

ROUTES = {
    ("/disputes/", "GET"): [
        Sample("/disputes/", {"anonymous": 302, "*": 200}),
        Sample("/disputes/?status=open&overdue=1&page=2", {"anonymous": 302, "*": 200}, "filtered"),
    ],
    ("/disputes/new", "GET"): [
        Sample(NEW_AGREED, OPENERS, "agreed project"),
        Sample(NEW_AGREED + "&commitment_id=abc", OPENERS, "an unreadable commitment: no prefill"),
        Sample(NEW_OTHER, SEE_OTHER_PROJECT, "other project"),
        Sample("/disputes/new", {"anonymous": 302, "*": 404}, "no project"),
        Sample(f"/disputes/new?project_id={HUGE}", {"anonymous": 302, "*": 404}, HUGE_ID),
    ],
    ("/disputes/new", "POST"): [
        Sample(
            NEW_AGREED,
            {**OPENERS, **dict.fromkeys(("officer", "member", "mayor", "representative"), 422)},
            "empty",
            form=EMPTY,
        ),
        Sample(NEW_OTHER, SEE_OTHER_PROJECT, "other project", form=EMPTY),
        Sample(f"/disputes/new?project_id={HUGE}", {"anonymous": 302, "*": 404}, HUGE_ID, form=EMPTY),
    ],
    ("/disputes/<id:dispute_id>", "GET"): samples("", SEE_AGREED, SEE_OTHER),
    # The workflow's actions, at states where one is refused: resolving needs the settlement's text (422 for
    # the mediator in mediation; 409 while the other is open); accepting waits for a settlement (409 for the
    # parties); an action that does not exist is 404 for everyone signed in.
    ("/disputes/<id:dispute_id>/actions/<action>", "POST"): [
        *samples("/actions/resolve", act(SEE_AGREED, mediator=422), act(SEE_OTHER, mediator=409), form=EMPTY),
        Sample(AGREED + "/actions/accept", act(SEE_AGREED, **dict.fromkeys(PARTIES, 409)), "accept", form=EMPTY),
        Sample(AGREED + "/actions/assign", act(SEE_AGREED, admin=422, mediator=422), "assign", form=EMPTY),
        Sample(AGREED + "/actions/nonsense", {"anonymous": 302, "*": 404}, "no such action", form=EMPTY),
    ],
    # The thread: the parties' acting members and the mediators (not an admin who is no mediator).
    ("/disputes/<id:dispute_id>/messages", "POST"): samples(
        "/messages",
        act(SEE_AGREED, mediator=422, **dict.fromkeys(PARTIES, 422)),
        act(SEE_OTHER, mediator=422),
        form=EMPTY,
    ),
    # The mediators' private notes: mediators who are no party.
    ("/disputes/<id:dispute_id>/notes", "POST"): samples(
        "/notes", act(SEE_AGREED, mediator=422), act(SEE_OTHER, mediator=422), form=EMPTY
    ),
    ("/disputes/<id:dispute_id>/documents", "POST"): samples(
        "/documents",
        act(SEE_AGREED, mediator=422, **dict.fromkeys(PARTIES, 422)),
        act(SEE_OTHER, mediator=422),
        form=EMPTY,
    ),
    # A file, through its own dispute only: the agreed dispute's file asked through the other is 404.
    ("/disputes/<id:dispute_id>/documents/<id:document_id>", "GET"): [
        Sample(AGREED + "/documents/{w.dispute_document.id}", SEE_AGREED, "agreed"),
        Sample(OTHER + "/documents/{w.dispute_document.id}", {"anonymous": 302, "*": 404}, "another's file"),
        Sample(AGREED + f"/documents/{HUGE}", {"*": 404}, HUGE_ID),
        Sample(NONE + "/documents/{w.dispute_document.id}", {"*": 404}, HUGE_ID),
    ],
    # The mediator's desk: mediators and admins.
    ("/mediation/desk", "GET"): [
        Sample("/mediation/desk", {"anonymous": 302, "admin": 200, "mediator": 200, "*": 403}),
        Sample(
            "/mediation/desk?region=T01&page=2", {"anonymous": 302, "admin": 200, "mediator": 200, "*": 403}, "filtered"
        ),
    ],
}

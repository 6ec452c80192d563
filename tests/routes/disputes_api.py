"""The disputes API, walked with each role's bearer token at the disputes of tests/walk.py. Statuses per
docs/api.md and product.md: only the two parties' acting members, mediators and admins see a dispute; everyone
else gets 404 (an observer of a party and the mayor of a commune that is not a party included); a request
without a token gets 401. Any mediator who is not a party takes the mediator's steps; a mediator or an admin
assigns; a party accepts, objects, appeals. 401, 404, 403, 409, 422 in that order."""

from tests.routes import HUGE, HUGE_ID, Sample
from tests.routes.projects import pdf

AGREED = "/api/v1/disputes/{w.disputes[agreed].id}"
OTHER = "/api/v1/disputes/{w.disputes[other].id}"
NONE = f"/api/v1/disputes/{HUGE}"
EMPTY: dict = {}

# disputes["agreed"]: association A (officer, member) against the partner (representative), in mediation.
PARTIES = ("officer", "member", "representative")
SEE_AGREED = {"anonymous": 401, **dict.fromkeys((*PARTIES, "mediator", "admin"), 200), "*": 404}
# disputes["other"]: association B against commune B, open: none of the roles is a party.
SEE_OTHER = {"anonymous": 401, "mediator": 200, "admin": 200, "*": 404}


def write(see: dict, **roles) -> dict:
    """Who sees the dispute but may not do this: 403; who does not see it: as in `see`; `roles` as given."""
    return {**{role: 403 if status == 200 else status for role, status in see.items()}, **roles}


def samples(suffix: str, agreed: dict, other: dict, json=None, form=None) -> list[Sample]:
    return [
        Sample(AGREED + suffix, agreed, "agreed", json=json, form=form),
        Sample(OTHER + suffix, other, "other", json=json, form=form),
        Sample(NONE + suffix, {"*": 404}, HUGE_ID, json=json, form=form),
    ]


def against_the_partner(w) -> dict:
    return {
        "project_id": w.agreed.id,
        "respondent_organisation_id": w.partner.id,
        "subject": "Tranche non versée",
        "description": "La deuxième tranche n'est pas arrivée.",
    }


# The agreed project is public: every signed-in role sees it. Its parties: association A (officer, member),
# commune A (mayor), the partner (representative; its observer does not act for it).
OPENERS = ("officer", "member", "mayor", "representative")
NOT_PARTIES = {"anonymous": 401, "*": 403}

ROUTES = {
    ("/api/v1/disputes", "POST"): [
        Sample("/api/v1/disputes", {"anonymous": 401, "*": 422}, "empty", json=EMPTY),
        Sample("/api/v1/disputes", {"anonymous": 401, "*": 422}, "huge project id", json={"project_id": HUGE}),
        Sample(
            "/api/v1/disputes",
            {**NOT_PARTIES, **dict.fromkeys(OPENERS, 422)},
            "the project only",
            json=lambda w: {"project_id": w.agreed.id},
        ),
        # The partner's representative cannot raise a dispute against its own organisation: 422.
        Sample(
            "/api/v1/disputes",
            {**NOT_PARTIES, "officer": 201, "member": 201, "mayor": 201, "representative": 422},
            "against the partner",
            json=against_the_partner,
        ),
        # The other project (submitted, of association B) is seen by mediators, observers and admins only.
        Sample(
            "/api/v1/disputes",
            {"anonymous": 401, "admin": 403, "mediator": 403, "observer": 403, "*": 404},
            "another's project",
            json=lambda w: {"project_id": w.other.id},
        ),
    ],
    ("/api/v1/disputes", "GET"): [
        Sample("/api/v1/disputes", {"anonymous": 401, "*": 200}),
        Sample("/api/v1/disputes?status=open&overdue=true&project_id=1", {"anonymous": 401, "*": 200}, "filtered"),
    ],
    ("/api/v1/disputes/<id:dispute_id>", "GET"): samples("", SEE_AGREED, SEE_OTHER),
    ("/api/v1/disputes/<id:dispute_id>/history", "GET"): samples("/history", SEE_AGREED, SEE_OTHER),
    ("/api/v1/disputes/<id:dispute_id>/messages", "GET"): samples("/messages", SEE_AGREED, SEE_OTHER),
    ("/api/v1/disputes/<id:dispute_id>/transitions", "POST"): [
        # In mediation: a settlement needs its text (422 for the mediator); nobody else resolves.
        # Open, not yet in mediation: 409 for the mediator.
        *samples(
            "/transitions", write(SEE_AGREED, mediator=422), write(SEE_OTHER, mediator=409), json={"action": "resolve"}
        ),
        Sample(
            AGREED + "/transitions",
            write(SEE_AGREED, mediator=200),
            "agreed, resolve",
            json={"action": "resolve", "comment": "Versement sous 30 jours."},
        ),
        # The parties answer a settlement only once there is one: 409 while in mediation.
        Sample(
            AGREED + "/transitions",
            write(SEE_AGREED, **dict.fromkeys(PARTIES, 409)),
            "agreed, accept",
            json={"action": "accept"},
        ),
        Sample(
            OTHER + "/transitions", write(SEE_OTHER, mediator=200), "other, acknowledge", json={"action": "acknowledge"}
        ),
        # A mediator or an admin assigns; without a mediator named, 422.
        Sample(
            OTHER + "/transitions",
            write(SEE_OTHER, mediator=422, admin=422),
            "other, assign",
            json={"action": "assign"},
        ),
    ],
    ("/api/v1/disputes/<id:dispute_id>/messages", "POST"): [
        # The parties and the mediators write; an admin reads only.
        *samples(
            "/messages",
            write(SEE_AGREED, **dict.fromkeys((*PARTIES, "mediator"), 422)),
            write(SEE_OTHER, mediator=422),
            json=EMPTY,
        ),
        Sample(
            AGREED + "/messages",
            write(SEE_AGREED, **dict.fromkeys((*PARTIES, "mediator"), 201)),
            "agreed, a message",
            json={"body": "Le virement part lundi."},
        ),
        Sample(
            AGREED + "/messages",
            write(SEE_AGREED, mediator=201),
            "agreed, a note",
            json={"body": "Appeler le trésorier.", "private": True},
        ),
    ],
    ("/api/v1/disputes/<id:dispute_id>/documents", "POST"): [
        *samples(
            "/documents",
            write(SEE_AGREED, **dict.fromkeys((*PARTIES, "mediator"), 422)),
            write(SEE_OTHER, mediator=422),
            form=EMPTY,
        ),
        Sample(
            AGREED + "/documents",
            write(SEE_AGREED, **dict.fromkeys((*PARTIES, "mediator"), 201)),
            "agreed, a PDF",
            form={"file": pdf},
        ),
    ],
    ("/api/v1/disputes/<id:dispute_id>/documents/<id:document_id>", "GET"): [
        Sample(AGREED + "/documents/{w.dispute_document.id}", SEE_AGREED, "agreed"),
        Sample(
            OTHER + "/documents/{w.dispute_document.id}",
            {**SEE_OTHER, "mediator": 404, "admin": 404},
            "another dispute's",
        ),
        Sample(NONE + f"/documents/{HUGE}", {"*": 404}, HUGE_ID),
    ],
}

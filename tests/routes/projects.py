"""Co-funded projects' pages, walked at the real projects of tests/walk.py, with the statuses of product.md:

- a never-submitted draft is seen by its association only (the officer and the member);
- from its first submission on, a project is seen by its parties (here: association A's officer and member,
  the mayor of commune A, and the partner's people where the partner funds it), mediators, observers and
  admins; everyone else gets 404;
- from agreed on, it is public (anonymous visitors included);
- a page that needs a login sends an anonymous visitor to sign in first (302), and only then does a record
  the user may not see answer 404.

Acting on a visible project one may not act on is 403; an empty form where one may act is refused (422);
an edit in a state that allows none is 409; what goes through redirects (303).
"""

import io

from tests.routes import HUGE, HUGE_ID, Sample
from tests.walk import PDF

DRAFT = "/projects/{w.draft.id}"
SUBMITTED = "/projects/{w.submitted.id}"
AGREED = "/projects/{w.agreed.id}"
OTHER = "/projects/{w.other.id}"
NONE = f"/projects/{HUGE}"

# Who sees what, before any action.
SEE_DRAFT = {"anonymous": 302, "officer": 200, "member": 200, "*": 404}
SEE_SUBMITTED = {"anonymous": 302, "representative": 404, "nobody": 404, "*": 200}
SEE_AGREED = {"*": 200}
SEE_OTHER = {"anonymous": 302, "admin": 200, "mediator": 200, "observer": 200, "*": 404}
SEE_NONE = {"anonymous": 302, "*": 404}


def seen(see: dict, **roles) -> dict:
    """For an action: `roles` as given; whoever else sees the project 403; who does not, as in `see`."""
    actions = {"anonymous": 302}
    for role, status in see.items():
        if role != "anonymous":
            actions[role] = 403 if status == 200 else status
    return {**actions, **roles}


def pdf():
    return (io.BytesIO(PDF), "Devis forage.pdf")


def page(suffix: str = "") -> dict:
    """show/sheet-like pages: who sees the project gets it."""
    return {
        (f"/projects/<id:project_id>{suffix}", "GET"): [
            Sample(DRAFT + suffix, SEE_DRAFT, "draft"),
            Sample(SUBMITTED + suffix, SEE_SUBMITTED, "submitted"),
            Sample(AGREED + suffix, SEE_AGREED, "agreed"),
            Sample(OTHER + suffix, SEE_OTHER, "other"),
            Sample(NONE + suffix, {"*": 404}, HUGE_ID),
        ]
    }


EMPTY: dict = {}

ROUTES = {
    ("/projects/", "GET"): [Sample("/projects/", {"*": 200})],
    ("/projects/new", "GET"): [Sample("/projects/new", {"anonymous": 302, "officer": 200, "*": 403})],
    ("/projects/new", "POST"): [
        Sample("/projects/new", {"anonymous": 302, "officer": 422, "*": 403}, "empty", form=EMPTY),
    ],
    **page(),
    **page("/sheet"),
    ("/projects/<id:project_id>/edit", "GET"): [
        Sample(DRAFT + "/edit", {"anonymous": 302, "officer": 200, "member": 403, "*": 404}, "draft"),
        # Drafts, submitted projects until the review starts and projects sent back for changes are edited:
        # past that 409 for the officer; 403 for the others.
        Sample(SUBMITTED + "/edit", seen(SEE_SUBMITTED, officer=200), "submitted"),
        Sample(AGREED + "/edit", seen(SEE_AGREED, officer=409), "agreed"),
        Sample(OTHER + "/edit", seen(SEE_OTHER), "other"),
        Sample(NONE + "/edit", {"*": 404}, HUGE_ID),
    ],
    ("/projects/<id:project_id>/edit", "POST"): [
        Sample(DRAFT + "/edit", {"anonymous": 302, "officer": 422, "member": 403, "*": 404}, "draft", form=EMPTY),
        Sample(SUBMITTED + "/edit", seen(SEE_SUBMITTED, officer=422), "submitted", form=EMPTY),
        Sample(AGREED + "/edit", seen(SEE_AGREED, officer=409), "agreed", form=EMPTY),
        Sample(OTHER + "/edit", seen(SEE_OTHER), "other", form=EMPTY),
        Sample(NONE + "/edit", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    # The step the record's state allows next, taken by who the workflow names; the others who see it: 403.
    ("/projects/<id:project_id>/actions/<action>", "POST"): [
        Sample(DRAFT + "/actions/submit", {"anonymous": 302, "officer": 303, "member": 403, "*": 404}, "draft"),
        Sample(SUBMITTED + "/actions/start_review", seen(SEE_SUBMITTED, mayor=303), "submitted"),
        Sample(
            SUBMITTED + "/actions/withdraw",
            seen(SEE_SUBMITTED, officer=303),
            "submitted, withdraw",
            form={"confirmed": "1"},
        ),
        # Withdrawing cannot be undone: without the box ticked the officer's form is refused (422).
        Sample(SUBMITTED + "/actions/withdraw", seen(SEE_SUBMITTED, officer=422), "submitted, withdraw unconfirmed"),
        Sample(AGREED + "/actions/start_implementation", seen(SEE_AGREED, mayor=303), "agreed"),
        # A decision that binds the commune is its mayor's or a deputy's: the state refuses the mayor's (409),
        # the secrétaire général (clerk) may never take it (403).
        Sample(SUBMITTED + "/actions/decline", seen(SEE_SUBMITTED, mayor=409, clerk=403), "submitted, decline"),
        Sample(AGREED + "/actions/agree", seen(SEE_AGREED, mayor=409, clerk=403), "agreed, agree"),
        Sample(OTHER + "/actions/start_review", seen(SEE_OTHER), "other"),
        # A step the workflow does not know: no such page.
        Sample(AGREED + "/actions/fly", {"anonymous": 302, "*": 404}, "unknown action"),
        Sample(NONE + "/actions/submit", {"*": 404}, HUGE_ID),
    ],
    # The discussion: the parties (not observers) and mediators write; an empty message is refused (422).
    ("/projects/<id:project_id>/comments", "POST"): [
        Sample(DRAFT + "/comments", {"anonymous": 302, "officer": 422, "member": 422, "*": 404}, "draft", form=EMPTY),
        Sample(
            SUBMITTED + "/comments",
            seen(SEE_SUBMITTED, mayor=422, officer=422, member=422, mediator=422),
            "submitted",
            form=EMPTY,
        ),
        Sample(
            AGREED + "/comments",
            seen(SEE_AGREED, mayor=422, officer=422, member=422, mediator=422, representative=422),
            "agreed",
            form=EMPTY,
        ),
        Sample(OTHER + "/comments", seen(SEE_OTHER, mediator=422), "other", form=EMPTY),
        Sample(NONE + "/comments", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    # Documents: the association's officers and the commune's officials upload.
    ("/projects/<id:project_id>/documents", "POST"): [
        Sample(DRAFT + "/documents", {"anonymous": 302, "officer": 422, "member": 403, "*": 404}, "draft", form=EMPTY),
        Sample(
            DRAFT + "/documents",
            {"anonymous": 302, "officer": 303, "member": 403, "*": 404},
            "draft, a PDF",
            form={"kind": "quote", "file": pdf},
        ),
        Sample(SUBMITTED + "/documents", seen(SEE_SUBMITTED, officer=422, mayor=422), "submitted", form=EMPTY),
        Sample(
            SUBMITTED + "/documents",
            seen(SEE_SUBMITTED, officer=303, mayor=303),
            "submitted, a PDF",
            form={"kind": "quote", "file": pdf},
        ),
        Sample(AGREED + "/documents", seen(SEE_AGREED, officer=422, mayor=422), "agreed", form=EMPTY),
        Sample(OTHER + "/documents", seen(SEE_OTHER), "other", form=EMPTY),
        Sample(NONE + "/documents", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    # Whoever added a document (here the officer) takes it back until the project is agreed (409 after); the
    # others who may add documents (the mayor) 403; who sees the project but adds none, 403 too.
    ("/projects/<id:project_id>/documents/<id:document_id>/remove", "POST"): [
        Sample(DRAFT + "/documents/{w.documents[draft].id}/remove", seen(SEE_DRAFT, officer=303), "draft"),
        Sample(
            SUBMITTED + "/documents/{w.documents[submitted].id}/remove", seen(SEE_SUBMITTED, officer=303), "submitted"
        ),
        Sample(AGREED + "/documents/{w.documents[agreed].id}/remove", seen(SEE_AGREED, officer=409), "agreed"),
        Sample(OTHER + "/documents/{w.documents[other].id}/remove", seen(SEE_OTHER), "other"),
        Sample(
            AGREED + "/documents/{w.documents[other].id}/remove",
            seen(SEE_AGREED, officer=404, mayor=404),
            "another project's document",
        ),
        Sample(NONE + f"/documents/{HUGE}/remove", {"*": 404}, HUGE_ID),
    ],
    # Who may see a project may see its documents.
    ("/projects/<id:project_id>/documents/<id:document_id>", "GET"): [
        Sample(DRAFT + "/documents/{w.documents[draft].id}", SEE_DRAFT, "draft"),
        Sample(SUBMITTED + "/documents/{w.documents[submitted].id}", SEE_SUBMITTED, "submitted"),
        Sample(AGREED + "/documents/{w.documents[agreed].id}", SEE_AGREED, "agreed"),
        Sample(OTHER + "/documents/{w.documents[other].id}", SEE_OTHER, "other"),
        # A document of another project, through a public project's path: none of this one.
        Sample(AGREED + "/documents/{w.documents[other].id}", {"*": 404}, "another project's document"),
        Sample(AGREED + f"/documents/{HUGE}", {"*": 404}, "huge document id"),
        Sample(NONE + f"/documents/{HUGE}", {"*": 404}, HUGE_ID),
    ],
}

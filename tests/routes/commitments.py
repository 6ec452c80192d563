"""Commitments on a project's page, walked at the commitments of tests/walk.py, with the statuses of product.md:
who may see the project sees its commitments and their evidence; a party (not an observer) or a mediator
records one from the first submission on; the promising organisation reports, the other side or a mediator
confirms, its author or a mediator cancels (with a comment); the funder named on a line confirms it; mediators
(and admins) see the overdue commitments. An anonymous visitor signs in first (302); what goes through
redirects (303)."""

from tests.routes import HUGE, HUGE_ID, Sample
from tests.routes.projects import (
    AGREED,
    DRAFT,
    NONE,
    OTHER,
    SEE_AGREED,
    SEE_DRAFT,
    SEE_OTHER,
    SEE_SUBMITTED,
    SUBMITTED,
    pdf,
    seen,
)

EMPTY: dict = {}
C_SUBMITTED = SUBMITTED + "/commitments/{w.commitments[submitted].id}"
C_AGREED = AGREED + "/commitments/{w.commitments[agreed].id}"
C_OTHER = OTHER + "/commitments/{w.commitments[other].id}"
RECORDERS = ("officer", "member", "mayor", "mediator")

ROUTES = {
    ("/projects/<id:project_id>/commitments", "POST"): [
        # A draft never submitted takes no commitment yet: 409 for its association.
        Sample(DRAFT + "/commitments", seen(SEE_DRAFT, officer=409, member=409), "draft", form=EMPTY),
        Sample(
            SUBMITTED + "/commitments", seen(SEE_SUBMITTED, **dict.fromkeys(RECORDERS, 422)), "submitted", form=EMPTY
        ),
        Sample(
            AGREED + "/commitments",
            seen(SEE_AGREED, **dict.fromkeys((*RECORDERS, "representative"), 422)),
            "agreed",
            form=EMPTY,
        ),
        Sample(OTHER + "/commitments", seen(SEE_OTHER, mediator=422), "other", form=EMPTY),
        Sample(NONE + "/commitments", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    ("/projects/<id:project_id>/commitments/<id:commitment_id>/actions/<action>", "POST"): [
        Sample(C_SUBMITTED + "/actions/report_fulfilled", seen(SEE_SUBMITTED, officer=303, member=303), "report"),
        Sample(
            C_SUBMITTED + "/actions/report_fulfilled",
            seen(SEE_SUBMITTED, officer=303, member=303),
            "report with a receipt",
            form={"file": pdf},
        ),
        Sample(
            C_AGREED + "/actions/confirm",
            seen(SEE_AGREED, officer=303, member=303, representative=303, mediator=303),
            "confirm",
        ),
        Sample(C_OTHER + "/actions/cancel", seen(SEE_OTHER, mediator=422), "cancel without a comment", form=EMPTY),
        Sample(C_AGREED + "/actions/fly", {"anonymous": 302, "*": 404}, "unknown action"),
        Sample(
            AGREED + "/commitments/{w.commitments[submitted].id}/actions/confirm",
            {"anonymous": 302, "*": 404},
            "another project's commitment",
        ),
        Sample(NONE + f"/commitments/{HUGE}/actions/confirm", {"*": 404}, HUGE_ID),
    ],
    ("/projects/<id:project_id>/commitments/<id:commitment_id>/evidence/<id:evidence_id>", "GET"): [
        Sample(C_SUBMITTED + "/evidence/{w.commitment_evidence[submitted].id}", SEE_SUBMITTED, "submitted"),
        Sample(C_AGREED + "/evidence/{w.commitment_evidence[agreed].id}", SEE_AGREED, "agreed"),
        Sample(C_OTHER + "/evidence/{w.commitment_evidence[other].id}", SEE_OTHER, "other"),
        Sample(C_AGREED + "/evidence/{w.commitment_evidence[other].id}", {"*": 404}, "another commitment's"),
        Sample(NONE + f"/commitments/{HUGE}/evidence/{HUGE}", {"*": 404}, HUGE_ID),
    ],
    ("/projects/<id:project_id>/funding/<id:line_id>/confirm", "POST"): [
        # The partner's representative confirms its line; its observer only reads.
        Sample(AGREED + "/funding/{w.partner_line.id}/confirm", seen(SEE_AGREED, representative=303), "the partner's"),
        Sample(
            SUBMITTED + "/funding/{w.partner_line.id}/confirm",
            {"anonymous": 302, "*": 404},
            "another project's line",
        ),
        Sample(NONE + f"/funding/{HUGE}/confirm", {"*": 404}, HUGE_ID),
    ],
    ("/mediation/commitments/overdue", "GET"): [
        Sample("/mediation/commitments/overdue", {"anonymous": 302, "admin": 200, "mediator": 200, "*": 403})
    ],
}

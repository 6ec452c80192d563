"""The meetings API, walked with each role's bearer token at the meetings of tests/walk.py. Statuses per
docs/api.md and product.md: meetings are never public (no token: 401); a meeting is seen by the invited
organisations' members, the organiser's members, mediators, observers and admins, others get 404; who sees it
but may not act gets 403; where the role may act, an empty body is 422 (or 409 when the state forbids it).
"""

from tests.routes import HUGE, HUGE_ID, Sample

MEETING = "/api/v1/meetings/{w.meeting.id}"
MINUTED = "/api/v1/meetings/{w.meeting_minuted.id}"
OTHER = "/api/v1/meetings/{w.meeting_other.id}"
NONE = f"/api/v1/meetings/{HUGE}"

# Commune A's meeting inviting association A: the mayor (organiser), the association's officer and member,
# mediators, observers, admins. Commune B's meeting: mediators, observers, admins only.
SEE_MEETING = {"anonymous": 401, "representative": 404, "nobody": 404, "*": 200}
SEE_OTHER = {"anonymous": 401, "admin": 200, "mediator": 200, "observer": 200, "*": 404}
SEE_NONE = {"*": 404}
# A mediation session: its dispute's parties' acting members, mediators and admins; everyone else 404.
SESSION = "/api/v1/meetings/{w.mediation_session.id}"
SEE_SESSION = {
    "anonymous": 401,
    **dict.fromkeys(("admin", "mediator", "officer", "member", "representative"), 200),
    "*": 404,
}  # past 2^31-1 the URL matches no rule: 404 before anything else


def write(see: dict, **roles) -> dict:
    """Who sees the meeting but may not act: 403; who does not see it: as in `see`; `roles` as given."""
    return {**{role: 403 if status == 200 else status for role, status in see.items()}, **roles}


def samples(suffix: str, json=None, meeting: dict | None = None, minuted: dict | None = None) -> list[Sample]:
    rows = [
        Sample(MEETING + suffix, meeting or SEE_MEETING, "meeting", json=json),
        Sample(OTHER + suffix, write(SEE_OTHER) if json is not None else SEE_OTHER, "other", json=json),
        Sample(NONE + suffix, SEE_NONE, HUGE_ID, json=json),
    ]
    if minuted is not None:
        rows.append(Sample(MINUTED + suffix, minuted, "minuted", json=json))
    return rows


EMPTY: dict = {}


def new_meeting(w) -> dict:
    """A whole schedule of commune A's meeting about the submitted project, inviting association A."""
    return {
        "title": "Concertation",
        "commune_id": w.commune_a.id,
        "project_ids": [w.submitted.id],
        "starts_at": "2026-12-15T10:00:00",
        "timezone": "Europe/Paris",
        "duration_minutes": 90,
        "location": "Mairie",
        "invitee_organisation_ids": [w.association.id],
    }


def new_session(w) -> dict:
    """A mediation session of disputes["agreed"], inviting its two parties, with no agenda."""
    return {
        **new_meeting(w),
        "title": "Séance de médiation",
        "project_ids": [],
        "invitee_organisation_ids": [w.association.id, w.partner.id],
        "dispute_id": w.disputes["agreed"].id,
    }


def new_minutes(w) -> dict:
    return {"summary": "Résumé.", "decisions": ["Décision."], "attendee_organisation_ids": [w.association.id]}


ROUTES = {
    ("/api/v1/meetings", "GET"): [Sample("/api/v1/meetings", {"anonymous": 401, "*": 200})],
    # Commune officials and mediators schedule; an empty body is then 422.
    ("/api/v1/meetings", "POST"): [
        Sample("/api/v1/meetings", {"anonymous": 401, "mayor": 422, "mediator": 422, "*": 403}, "empty", json=EMPTY),
        Sample(
            "/api/v1/meetings", {"anonymous": 401, "mayor": 201, "mediator": 201, "*": 403}, "whole", json=new_meeting
        ),
        # A mediation session: a mediator holds it; the mayor, who schedules meetings but may not see the
        # dispute, gets 404; who schedules no meeting at all, 403.
        Sample(
            "/api/v1/meetings",
            {"anonymous": 401, "mediator": 201, "mayor": 404, "*": 403},
            "mediation session",
            json=new_session,
        ),
    ],
    ("/api/v1/meetings/<id:meeting_id>", "GET"): [*samples(""), Sample(SESSION, SEE_SESSION, "mediation session")],
    ("/api/v1/meetings/<id:meeting_id>/ics", "GET"): [
        *samples("/ics"),
        Sample(SESSION + "/ics", SEE_SESSION, "mediation session"),
    ],
    # The organiser's officials reschedule (the version is required) and cancel (a reason is required).
    ("/api/v1/meetings/<id:meeting_id>", "PATCH"): samples("", EMPTY, write(SEE_MEETING, mayor=422)),
    ("/api/v1/meetings/<id:meeting_id>/cancel", "POST"): samples("/cancel", EMPTY, write(SEE_MEETING, mayor=422)),
    # An invited organisation's acting members answer (officer, member); observers only read.
    ("/api/v1/meetings/<id:meeting_id>/rsvp", "POST"): [
        *samples("/rsvp", EMPTY, write(SEE_MEETING, officer=422, member=422)),
        Sample(MEETING + "/rsvp", write(SEE_MEETING, officer=200, member=200), "yes", json={"answer": "yes"}),
    ],
    # The organiser's officials post minutes once the meeting has started (it has).
    ("/api/v1/meetings/<id:meeting_id>/minutes", "POST"): [
        *samples("/minutes", EMPTY, write(SEE_MEETING, mayor=422), write(SEE_MEETING, mayor=422)),
        Sample(MEETING + "/minutes", write(SEE_MEETING, mayor=200), "whole", json=new_minutes),
    ],
    # The attending parties answer the minutes: no minutes yet is 409 for the invitees.
    ("/api/v1/meetings/<id:meeting_id>/minutes/answers", "POST"): samples(
        "/minutes/answers",
        EMPTY,
        write(SEE_MEETING, officer=409, member=409),
        write(SEE_MEETING, officer=422, member=422),
    ),
}

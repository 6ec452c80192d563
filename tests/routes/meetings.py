"""Consultation meetings' pages, walked at the meetings of tests/walk.py, with the rules of product.md: a meeting
is seen by the invited organisations' members, the organiser's members, mediators, observers and admins;
everyone else gets 404; an anonymous visitor signs in first (302). Who sees it but may not act gets 403; an
empty form where the role may act is refused (422), or 409 when the meeting's state forbids it."""

from tests.routes import HUGE, HUGE_ID, Sample

MEETING = "/meetings/{w.meeting.id}"
MINUTED = "/meetings/{w.meeting_minuted.id}"
OTHER = "/meetings/{w.meeting_other.id}"
NONE = f"/meetings/{HUGE}"

SEE_MEETING = {"anonymous": 302, "representative": 404, "nobody": 404, "*": 200}
SEE_OTHER = {"anonymous": 302, "admin": 200, "mediator": 200, "observer": 200, "*": 404}
# A mediation session: seen by its dispute's parties' acting members, mediators and admins only (the partner's
# observer and the mayor, whose commune is no party to the dispute, get 404 like anyone else).
SESSION = "/meetings/{w.mediation_session.id}"
SEE_SESSION = {
    "anonymous": 302,
    **dict.fromkeys(("admin", "mediator", "officer", "member", "representative"), 200),
    "*": 404,
}


def act(see: dict, **roles) -> dict:
    """Who sees the meeting but may not act: 403; who does not see it: as in `see`; `roles` as given."""
    return {**{role: 403 if status == 200 else status for role, status in see.items()}, **roles}


def samples(suffix: str, meeting: dict, other: dict, form=None, minuted: dict | None = None) -> list[Sample]:
    rows = [
        Sample(MEETING + suffix, meeting, "meeting", form=form),
        Sample(OTHER + suffix, other, "other", form=form),
        Sample(NONE + suffix, {"*": 404}, HUGE_ID, form=form),
    ]
    if minuted is not None:
        rows.append(Sample(MINUTED + suffix, minuted, "minuted", form=form))
    return rows


EMPTY: dict = {}
SCHEDULERS = {"anonymous": 302, "mayor": 200, "mediator": 200, "*": 403}
# A mediation session scheduled from a dispute's page (`?dispute_id=`): its mediator, while the dispute is being
# handled (an open one: 403); a scheduler who may not see the dispute (the mayor) gets 404.
SESSION_NEW = "/meetings/new?dispute_id={w.disputes[agreed].id}"
SESSION_NEW_OTHER = "/meetings/new?dispute_id={w.disputes[other].id}"
SESSION_SCHEDULERS = {**SCHEDULERS, "mayor": 404}
SESSION_FORMS = [
    Sample(SESSION_NEW, SESSION_SCHEDULERS, "mediation session"),
    Sample(SESSION_NEW_OTHER, {**SESSION_SCHEDULERS, "mediator": 403}, "session of an open dispute"),
    Sample(f"/meetings/new?dispute_id={HUGE}", {**SCHEDULERS, "mayor": 404, "mediator": 404}, HUGE_ID),
]

ROUTES = {
    ("/meetings/", "GET"): [Sample("/meetings/", {"anonymous": 302, "*": 200})],
    ("/meetings/new", "GET"): [Sample("/meetings/new", SCHEDULERS), *SESSION_FORMS],
    ("/meetings/new", "POST"): [
        Sample("/meetings/new", {**SCHEDULERS, "mayor": 422, "mediator": 422}, "empty", form=EMPTY),
        Sample(SESSION_NEW, {**SESSION_SCHEDULERS, "mediator": 422}, "mediation session, empty", form=EMPTY),
        Sample(SESSION_NEW_OTHER, {**SESSION_SCHEDULERS, "mediator": 403}, "session of an open dispute", form=EMPTY),
    ],
    ("/meetings/<id:meeting_id>", "GET"): [
        *samples("", SEE_MEETING, SEE_OTHER),
        Sample(SESSION, SEE_SESSION, "mediation session"),
    ],
    ("/meetings/<id:meeting_id>/ics", "GET"): [
        *samples("/ics", SEE_MEETING, SEE_OTHER),
        Sample(SESSION + "/ics", SEE_SESSION, "mediation session"),
    ],
    # Printable minutes: only once posted (404 before).
    ("/meetings/<id:meeting_id>/minutes/print", "GET"): samples(
        "/minutes/print",
        {**SEE_MEETING, "*": 404},
        {**SEE_OTHER, "admin": 404, "mediator": 404, "observer": 404},
        minuted=SEE_MEETING,
    ),
    # The organiser's officials (here the mayor) reschedule, cancel and write the minutes (it has started).
    ("/meetings/<id:meeting_id>/edit", "GET"): samples("/edit", act(SEE_MEETING, mayor=200), act(SEE_OTHER)),
    ("/meetings/<id:meeting_id>/edit", "POST"): samples(
        "/edit", act(SEE_MEETING, mayor=422), act(SEE_OTHER), form=EMPTY
    ),
    ("/meetings/<id:meeting_id>/cancel", "POST"): samples(
        "/cancel", act(SEE_MEETING, mayor=422), act(SEE_OTHER), form=EMPTY
    ),
    ("/meetings/<id:meeting_id>/minutes", "GET"): samples(
        "/minutes", act(SEE_MEETING, mayor=200), act(SEE_OTHER), minuted=act(SEE_MEETING, mayor=200)
    ),
    ("/meetings/<id:meeting_id>/minutes", "POST"): samples(
        "/minutes", act(SEE_MEETING, mayor=422), act(SEE_OTHER), form=EMPTY
    ),
    # An invited organisation's acting members answer (officer, member); observers only read.
    ("/meetings/<id:meeting_id>/rsvp", "POST"): samples(
        "/rsvp", act(SEE_MEETING, officer=422, member=422), act(SEE_OTHER), form=EMPTY
    ),
    # The attending parties answer the minutes: before any minutes, 409 for the invitees.
    ("/meetings/<id:meeting_id>/minutes/answer", "POST"): samples(
        "/minutes/answer",
        act(SEE_MEETING, officer=409, member=409),
        act(SEE_OTHER),
        form=EMPTY,
        minuted=act(SEE_MEETING, officer=422, member=422),
    ),
}

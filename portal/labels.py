"""The portal's vocabulary in people's words: one translated label per code of a state, sector, kind or role.

A leaf: it imports nothing of the portal, so pages, mails, the domain and the notifications all read their
labels here without pulling rules along. `label(TABLE, code)` falls back to the code itself.
"""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext, lazy_pgettext

STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "under_review": _l("Under review"),
    "changes_requested": _l("Changes requested"),
    "in_consultation": _l("In consultation"),
    "agreed": _l("Agreed"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "handed_over": _l("Handed over"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
}
SECTOR_LABELS = {
    "water": _l("Water"),
    "health": _l("Health"),
    "education": _l("Education"),
    "agriculture": _l("Agriculture"),
    "energy": _l("Energy"),
    "culture": _l("Culture and worship"),
    "economy": _l("Economy"),
    "other": _l("Other"),
}
PARTY_KIND_LABELS = {
    "association": _l("Diaspora association"),
    "commune": _l("Commune"),
    "state": _l("State / territorial collectivities"),
    "partner": _l("Partner"),
    "population": _l("Population (in kind)"),
}
DOCUMENT_KIND_LABELS = {
    "technical_file": _l("Technical file"),
    "quote": _l("Quote"),
    "statutes": _l("Statutes"),
    "minutes": _l("Minutes of a general assembly"),
    "photo": _l("Photo"),
    "other": _l("Other"),
}
KIND_LABELS = {
    "commune": _l("Commune"),
    "association": _l("Diaspora association"),
    "ministry": _l("Ministry"),
    "partner": _l("Partner"),
    "committee": _l("Management committee"),
}
ROLE_LABELS = {
    "officer": _l("Officer"),
    "member": _l("Member"),
    "mayor": _l("Mayor"),
    "deputy": _l("Deputy mayor"),
    "clerk": _l("Secretary general"),
    "mediator": _l("Mediator"),
    "representative": _l("Representative"),
    "observer": _l("Observer"),
    "president": _l("President"),
}
VERIFICATION_LABELS = {
    "pending": _l("Awaiting verification"),
    "verified": _l("Verified"),
    "refused": _l("Refused"),
}
MAIL_MODE_LABELS = {
    "immediate": _l("By e-mail, at once"),
    "digest": _l("In a daily e-mail digest"),
    "none": _l("No e-mail (on the portal only)"),
}

# Meetings: an invitee's answer, the meeting's state, an attending party's answer to the minutes.
RSVP_LABELS = {"yes": _l("Will attend"), "no": _l("Will not attend"), "maybe": _l("Maybe"), None: _l("No answer yet")}
MEETING_STATUS_LABELS = {
    "scheduled": _l("Scheduled"),
    "held": _l("Held"),
    "minutes_awaited": _l("Minutes awaited"),  # started, still scheduled, no minutes yet
    "cancelled": _l("Cancelled"),
}
MINUTES_ANSWER_LABELS = {"approved": _l("Approved"), "commented": _l("Commented"), None: _l("No answer yet")}
# Commitments (engagements): their states and kinds.
COMMITMENT_STATUS_LABELS = {
    "open": _l("Open"),
    "fulfilled": _l("Reported fulfilled"),
    "confirmed": _l("Confirmed"),
    "contested": _l("Contested"),
    "cancelled": lazy_pgettext("commitment", "Cancelled"),  # un engagement: « Annulé », not a meeting's « Annulée »
}
COMMITMENT_KIND_LABELS = {
    "financial": _l("Financial"),
    "in_kind": _l("In kind"),
    "administrative": _l("Administrative"),
    "technical": _l("Technical"),
}

# Disputes (litiges): their states.
DISPUTE_STATUS_LABELS = {
    "open": _l("Open, awaiting a mediator"),
    "acknowledged": _l("Acknowledged"),
    "in_mediation": _l("In mediation"),
    "resolved": _l("Resolved, settlement proposed"),
    "closed": _l("Closed"),
    "dismissed": _l("Dismissed"),
}
# Knowledge for planning (issue 12): the indicators of a commune's migration profile, their units, and the
# statuses of disputes as the dashboards count them.
INDICATOR_LABELS = {
    "population": _l("Population"),
    "households_with_member_abroad": _l("Households with a member abroad"),
    "emigrants": _l("Emigrants"),
    "returnees": _l("Returnees"),
    "remittances": _l("Estimated remittances"),
    "associations": _l("Diaspora associations"),
    "diaspora_projects": _l("Diaspora-funded projects"),
    "diaspora_funding": _l("Diaspora funding of projects"),
    "facilities_built": _l("Facilities built"),
    "facilities_working": _l("Facilities still working"),
}
UNIT_LABELS = {
    "persons": _l("persons"),
    "households": _l("households"),
    "XOF": _l("F CFA"),
    "associations": _l("associations"),
    "projects": _l("projects"),
    "facilities": _l("facilities"),
}
DISPUTE_STATUS_COUNT_LABELS = {
    "open": _l("Open"),
    "acknowledged": _l("Acknowledged"),
    "in_mediation": _l("In mediation"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
    "dismissed": _l("Dismissed"),
}

# After agreement: contributions paid, and whether a facility handed over still works.
CONTRIBUTION_STATUS_LABELS = {
    "reported": _l("Reported, awaiting confirmation"),
    "confirmed": _l("Confirmed as received"),
    "contested": lazy_pgettext("contribution", "Contested"),  # une contribution: « Contestée »
}
AMENDMENT_STATUS_LABELS = {
    "proposed": _l("Proposed, awaiting the other side"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
}
ACCEPTANCE_KIND_LABELS = {
    "provisional": _l("provisional acceptance"),
    "final": _l("final acceptance"),
}
CONDITION_LABELS = {
    "working": _l("Working"),
    "partly": _l("Partly working"),
    "not_working": _l("Not working"),
    "unknown": _l("Not checked yet"),
}


def label(table: dict, code) -> str:
    """The code's label in the current language, or the code itself when the table does not know it."""
    found = table.get(code)
    return str(found) if found is not None else str(code)


# Disputes: what each event of a dispute's history is (its audit action without the "dispute." prefix).
DISPUTE_EVENT_LABELS = {
    "open": _l("Dispute opened"),
    "assign": _l("Mediator assigned"),
    "acknowledge": _l("Acknowledged by the ministry"),
    "start_mediation": _l("Mediation started"),
    "resolve": _l("Settlement recorded"),
    "dismiss": _l("Dismissed"),
    "close": _l("Closed"),
    "accept": _l("Settlement accepted"),
    "object": _l("Objection to the settlement"),
    "appeal": _l("Appealed"),
    "message": _l("Message"),
    "note": _l("Mediator's note"),
    "document_add": _l("File added"),
    "session": _l("Mediation session scheduled"),
}

# The mediator's desk: what each item waits for.
DESK_LABELS = {
    "dispute_acknowledge": _l("A dispute to acknowledge"),
    "dispute_resolve": _l("A dispute to resolve"),
    "dispute_close": _l("A settlement awaiting the parties, to close"),
    "project_answer": _l("A project the commune has not answered"),
    "commitment_overdue": _l("An overdue commitment"),
    "association_verify": _l("An association to verify"),
}


def at_most_characters(limit: int):
    """The one message for a text longer than its field allows, in the plural form its limit takes."""
    return lazy_ngettext("At most %(num)s character.", "At most %(num)s characters.", limit)

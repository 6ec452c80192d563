"""What a project's pages show, in the viewer's language: shares of the budget, file sizes, the timeline."""

from decimal import Decimal

from babel.numbers import format_percent
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.domain import commitments as pledges
from portal.i18n import file_size
from portal.labels import STATUS_LABELS, label
from portal.models import Project

HISTORY_LABELS = {
    "create": _l("Project created"),
    "edit": _l("Project edited"),
    "comment": _l("Message in the discussion"),
    "document_add": _l("Document added"),
    "document_remove": _l("Document removed by whoever added it"),
    "escalate": _l("Sent to the mediators: the commune had not answered in time"),
    "funding_confirm": _l("A funder confirmed its line of the co-funding plan"),
    "contribution.report": _l("A contribution paid was reported"),
    "contribution.report_again": _l("A contested contribution was reported again"),
    "contribution.confirm": _l("A contribution was confirmed as received"),
    "contribution.contest": _l("A contribution was contested"),
    "contribution.proof_add": _l("A proof of payment was added"),
    "facility.check": _l("The facility's yearly check was recorded"),
    "facility.check_reminded": _l("The facility's owner was reminded of its yearly check"),
    "progress.report": _l("The commune reported on the works"),
    "progress.comment": _l("The association commented a progress report"),
    "progress.flag": _l("A progress report is late: the mediators were told"),
    "amendment.propose": _l("An amendment of the budget or funding was proposed"),
    "amendment.accept": _l("An amendment was accepted: its new amounts are in force"),
    "amendment.reject": _l("An amendment was rejected"),
    "acceptance.provisional": _l("Provisional acceptance of the works"),
    "acceptance.final": _l("Final acceptance of the works"),
    "convention.deliberation": _l("The council's deliberation on the convention was recorded"),
    "convention.signed": _l("The signed convention was uploaded"),
}


def share(amount_xof: int, total_xof: int) -> str:
    """A part of the budget in percent, to a tenth, in the viewer's language ("38,5 %")."""
    if total_xof <= 0:
        return "—"
    part = (Decimal(amount_xof) / Decimal(total_xof)).quantize(Decimal("0.001")).normalize()
    return format_percent(part, locale=get_locale(), decimal_quantization=False)


def money_summary(project: Project) -> dict:
    """The co-funding table: each funding line with its share of the budget, the funder's name as the viewer may
    read it (None while a third-party funder has not confirmed, in public) and whether it awaits the funder's
    confirmation; the totals, what is missing."""
    budget, funding = project.budget_total_xof, project.funding_total_xof
    rows = []
    for line in project.funding_lines:
        rows.append(
            (
                line,
                share(line.amount_xof, budget),
                pledges.funder_name(current_user, project, line),
                pledges.awaits_funder(project, line),
            )
        )
    return {
        "budget_total": budget,
        "funding_total": funding,
        "funding_rows": rows,
        "covered": share(funding, budget),
        "missing": max(budget - funding, 0),
    }


def timeline(history: list[dict]) -> list[dict]:
    """The project's history (`project_history`'s) as the page shows it: each change of status, or what happened,
    with its comment."""
    entries = []
    for event in history:
        if event["to_status"]:
            what = _(
                "%(before)s → %(after)s",
                before=STATUS_LABELS.get(event["from_status"], "?"),
                after=label(STATUS_LABELS, event["to_status"]),
            )
        else:
            what = label(HISTORY_LABELS, event["action"])
        entries.append(
            {
                "at": event["at"],
                "actor": (event["actor"] or {}).get("name"),
                "what": what,
                "comment": event["comment"] if event["action"] != "comment" else None,
            }
        )
    return entries


def commitment_rows(project: Project, commitments: list, today) -> list[dict]:
    """A project's commitments as its page shows them: who promised (as the viewer may read it), overdue, the
    evidence with its size, and the actions the viewer may take; beside it, what a pledge received and why a
    contested one is."""
    paid = pledges.pledge_progress(commitments)
    contests = pledges.contests(current_user, commitments)
    return [
        {
            "commitment": c,
            "promiser": c.organisation.name if pledges.names_promiser(current_user, c) else None,
            "overdue": c.is_overdue(today),
            "evidence": [(e, file_size(e.size)) for e in c.evidence],
            "actions": [(name, pledges.TRANSITIONS[name]) for name in pledges.available_actions(current_user, c)],
            "paid": paid.get(c.id),
            "contest": contests.get(c.id),
        }
        for c in commitments
    ]

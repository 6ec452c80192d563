from collections import defaultdict

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.main import bp
from portal.blueprints.pages import safe_next
from portal.domain.accounts import set_preferences
from portal.domain.awaiting import awaiting as waiting_for
from portal.domain.contributions import payer_name
from portal.domain.organisations import can_verify_associations, count_pending_associations, own_pending_associations
from portal.domain.projects import recent_public_projects
from portal.extensions import csrf
from portal.i18n import format_money


@bp.get("/")
def home():
    """The home page: what the portal is for; for a signed-in user, their organisations and what awaits them.
    Everyone."""
    if not current_user.is_authenticated:
        return render_template("main/home.html", recent=recent_public_projects())
    return render_template("main/dashboard.html", awaiting=awaiting(current_user))


def awaiting(user) -> list[dict]:
    """What waits for this user's action, a fixed number of queries whatever their organisations."""
    items = []
    if user.email_confirmed_at is None:
        items.append({"text": _("Confirm your email address: we sent you a link."), "url": url_for("account.show")})
    for organisation in own_pending_associations(user):
        items.append(
            {
                "text": _("%(name)s awaits verification by a mediator of the ministry.", name=organisation.name),
                "url": url_for("organisations.show", organisation_id=organisation.id),
            }
        )
    lines = [
        {"text": _waiting_text(w), "url": _waiting_url(w), "overdue": w.overdue, "waiting": w}
        for w in waiting_for(user)
    ]
    items += _told_apart(lines)
    if can_verify_associations(user):
        count = count_pending_associations()
        if count:
            items.append(
                {
                    "text": ngettext(
                        "%(num)d association awaits verification.", "%(num)d associations await verification.", count
                    ),
                    "url": url_for("mediation.associations"),
                }
            )
    return items


def _told_apart(lines: list[dict]) -> list[dict]:
    """Two identical lines say what differs: the first detail that tells each of them apart (the due date, the
    amount, the day it began waiting), else their numbers."""
    same = defaultdict(list)
    for line in lines:
        same[line["text"]].append(line)
    for group in same.values():
        if len(group) < 2:
            continue
        for detail in (_due_detail, _amount_detail, _since_detail, _number_detail):
            details = [detail(line["waiting"]) for line in group]
            if all(details) and len(set(details)) == len(details):
                for line, said in zip(group, details, strict=True):
                    line["text"] = f"{line['text']} ({said})"
                break
    return lines


def _due_detail(waiting) -> str | None:
    due = getattr(waiting.record, "due_date", None)
    return _("due %(date)s", date=format_date(due)) if due else None


def _amount_detail(waiting) -> str | None:
    amount = getattr(waiting.record, "amount", None)
    currency = getattr(waiting.record, "currency", None)
    return format_money(amount, currency) if amount is not None and currency else None


def _since_detail(waiting) -> str | None:
    return _("since %(date)s", date=format_date(waiting.since)) if waiting.since else None


def _number_detail(waiting) -> str:
    return _("no. %(id)s", id=waiting.record.id)


def _waiting_url(waiting) -> str:
    if waiting.what in DISPUTE_ITEMS:
        return url_for("disputes.show", dispute_id=waiting.record.id)
    if waiting.what == "confirm_tranche":
        return url_for(
            "delivery.contributions", project_id=waiting.record.project_id, _anchor=f"contribution-{waiting.record.id}"
        )
    if waiting.what in MEETING_ITEMS:
        return url_for("meetings.show", meeting_id=waiting.record.id)
    if waiting.what in COMMITMENT_ITEMS:
        return url_for("projects.show", project_id=waiting.record.project_id, _anchor=f"commitment-{waiting.record.id}")
    return url_for("projects.show", project_id=waiting.record.id)


MEETING_ITEMS = ("answer_invitation", "prepare_meeting", "post_minutes", "answer_minutes")
COMMITMENT_ITEMS = ("report_commitment", "answer_contest", "confirm_commitment", "escalated_commitment")
DISPUTE_ITEMS = ("dispute_against", "answer_settlement", "dispute_acknowledge")


def _dispute_text(waiting) -> str:
    dispute = waiting.record
    if waiting.what == "dispute_against":
        return _(
            "%(claimant)s raises a dispute against %(respondent)s on “%(project)s”: “%(subject)s”. Follow it and "
            "answer in its thread.",
            claimant=dispute.claimant.name,
            respondent=dispute.respondent.name,
            project=dispute.project.title,
            subject=dispute.subject,
        )
    if waiting.what == "answer_settlement":
        return _(
            "The mediator proposes a settlement of the dispute “%(subject)s” on “%(project)s”: accept it or object.",
            subject=dispute.subject,
            project=dispute.project.title,
        )
    if waiting.overdue:
        return _(
            "Acknowledge the dispute “%(subject)s” of %(claimant)s against %(respondent)s: it was due on %(date)s.",
            subject=dispute.subject,
            claimant=dispute.claimant.name,
            respondent=dispute.respondent.name,
            date=format_date(dispute.acknowledge_due_at),
        )
    return _(
        "Acknowledge the dispute “%(subject)s” of %(claimant)s against %(respondent)s before %(date)s.",
        subject=dispute.subject,
        claimant=dispute.claimant.name,
        respondent=dispute.respondent.name,
        date=format_date(dispute.acknowledge_due_at),
    )


def _tranche_text(waiting) -> str:
    contribution = waiting.record
    return _(
        "%(payer)s reports %(amount)s paid on %(date)s for “%(project)s”: confirm it was received, or contest it.",
        payer=payer_name(contribution.project, contribution.funding_line),
        amount=format_money(contribution.amount, contribution.currency),
        date=format_date(contribution.paid_on),
        project=contribution.project.title,
    )


def _waiting_text(waiting) -> str:
    if waiting.what in DISPUTE_ITEMS:
        return _dispute_text(waiting)
    if waiting.what == "confirm_tranche":
        return _tranche_text(waiting)
    if waiting.what == "answer_invitation":
        return _(
            "Say whether you will attend “%(title)s” on %(date)s.",
            title=waiting.record.title,
            date=format_date(waiting.record.starts_at),
        )
    if waiting.what == "prepare_meeting":
        return _(
            "Prepare “%(title)s”, on %(date)s: the agenda, the invitees' answers.",
            title=waiting.record.title,
            date=format_date(waiting.record.starts_at),
        )
    if waiting.what == "post_minutes":
        return _("Write the minutes of “%(title)s”.", title=waiting.record.title)
    if waiting.what in COMMITMENT_ITEMS:
        commitment = waiting.record
        text = {
            "report_commitment": _(
                "%(organisation)s promised on “%(project)s” by %(date)s: “%(what)s”. Report it when it is done.",
                organisation=commitment.organisation.name,
                project=commitment.project.title,
                date=format_date(commitment.due_date),
                what=commitment.description[:80],
            ),
            "answer_contest": _(
                "The commitment of %(organisation)s on “%(project)s”, “%(what)s”, is contested: report it again with "
                "evidence.",
                organisation=commitment.organisation.name,
                project=commitment.project.title,
                what=commitment.description[:80],
            ),
            "escalated_commitment": _(
                "The commitment of %(organisation)s on “%(project)s”, “%(what)s”, is long overdue: see what "
                "mediation it needs.",
                organisation=commitment.organisation.name,
                project=commitment.project.title,
                what=commitment.description[:80],
            ),
            "confirm_commitment": _(
                "%(organisation)s reports its commitment on “%(project)s” fulfilled, “%(what)s”: confirm or contest "
                "it.",
                organisation=commitment.organisation.name,
                project=commitment.project.title,
                what=commitment.description[:80],
            ),
        }
        return text[waiting.what]
    if waiting.what == "answer_minutes":
        return _("Approve or comment on the minutes of “%(title)s”.", title=waiting.record.title)
    project = waiting.record
    if waiting.what == "answer_project" and waiting.overdue:
        return _(
            "Answer “%(title)s” of %(association)s: it went to the mediators on %(date)s.",
            title=project.title,
            association=project.association.name,
            date=format_date(waiting.due),
        )
    if waiting.what == "answer_project" and waiting.due is not None:
        return _(
            "Answer “%(title)s” of %(association)s before %(date)s: after that, it goes to the mediators.",
            title=project.title,
            association=project.association.name,
            date=format_date(waiting.due),
        )
    if waiting.what == "answer_project":
        return _("Answer “%(title)s” of %(association)s.", title=project.title, association=project.association.name)
    if waiting.what == "revise_project":
        return _(
            "%(commune)s asks for changes to “%(title)s”.", commune=project.commune.display_name, title=project.title
        )
    return _(
        "“%(title)s” has waited too long for an answer from %(commune)s.",
        title=project.title,
        commune=project.commune.display_name,
    )


@bp.get("/privacy")
def privacy():
    """What the portal keeps about people, who sees it, for how long, and their rights. Everyone."""
    return render_template("main/privacy.html")


@bp.post("/language")
@csrf.exempt
def set_language():
    """Switches the interface language (and the account's preference) and returns to the page. Everyone.

    A visitor's switch only sets their own cookie, so the anonymous pages that carry it need no form token and
    can be shared by every visitor (portal/page_cache.py); a signed-in switch changes the account: its token is
    checked."""
    if current_user.is_authenticated and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    locale = request.form.get("locale")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:  # the account's preference would otherwise win over the switch
            set_preferences(current_user, locale, current_user.timezone, current_user.currency)
    return redirect(safe_next(request.form.get("next"), url_for("main.home")), code=303)

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.main import bp
from portal.blueprints.pages import safe_next
from portal.domain.accounts import set_preferences
from portal.domain.awaiting import awaiting as waiting_for
from portal.domain.organisations import can_verify_associations, count_pending_associations, own_pending_associations
from portal.domain.projects import recent_public_projects
from portal.extensions import csrf


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
    for waiting in waiting_for(user):
        items.append({"text": _waiting_text(waiting), "url": _waiting_url(waiting)})
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


def _waiting_url(waiting) -> str:
    if waiting.what in MEETING_ITEMS:
        return url_for("meetings.show", meeting_id=waiting.record.id)
    if waiting.what in COMMITMENT_ITEMS:
        return url_for("projects.show", project_id=waiting.record.project_id, _anchor=f"commitment-{waiting.record.id}")
    return url_for("projects.show", project_id=waiting.record.id)


MEETING_ITEMS = ("answer_invitation", "prepare_meeting", "post_minutes", "answer_minutes")
COMMITMENT_ITEMS = ("report_commitment", "answer_contest", "confirm_commitment", "escalated_commitment")


def _waiting_text(waiting) -> str:
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
                "The commitment of %(organisation)s on “%(project)s” is contested: report it again with evidence.",
                organisation=commitment.organisation.name,
                project=commitment.project.title,
            ),
            "escalated_commitment": _(
                "The commitment of %(organisation)s on “%(project)s” is long overdue: see what mediation it needs.",
                organisation=commitment.organisation.name,
                project=commitment.project.title,
            ),
            "confirm_commitment": _(
                "%(organisation)s reports its commitment on “%(project)s” fulfilled: confirm or contest it.",
                organisation=commitment.organisation.name,
                project=commitment.project.title,
            ),
        }
        return text[waiting.what]
    if waiting.what == "answer_minutes":
        return _("Approve or comment on the minutes of “%(title)s”.", title=waiting.record.title)
    project = waiting.record
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

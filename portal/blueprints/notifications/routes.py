from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from portal.blueprints.forms import ButtonForm, place_errors
from portal.blueprints.guards import admin_required, login_required
from portal.blueprints.notifications import bp
from portal.blueprints.notifications.forms import field_name, preferences_form
from portal.domain.mail import send_dead_letter_again, set_mail_preferences
from portal.errors import Refused
from portal.notifications import inbox
from portal.notifications.inbox import notification_text, safe_link
from portal.notifications.outbox import dead_messages
from portal.notifications.preferences import choosable_kinds, preferences_of
from portal.paging import page_number

PER_PAGE = 20
DEAD_LETTERS_SHOWN = 100


def _page_arg() -> int:
    return page_number(request.args.get("page"))


@bp.app_context_processor
def _notification_helpers():
    """`unread_notifications()` for the header: one query per page, only when a template asks for it."""
    return {"unread_notifications": _unread_for_current_user, "notification_text": notification_text}


def _unread_for_current_user() -> int | None:
    """None when it cannot be counted (an error page after the database failed): the header shows no number."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        try:
            g.unread_notifications = inbox.unread_count(current_user.id)
        except SQLAlchemyError:
            g.unread_notifications = None
    return g.unread_notifications


@bp.get("/")
@login_required
def index():
    """The signed-in user's notifications, newest first, 20 a page, unread ones marked. The signed-in user."""
    page = _page_arg()
    notifications, has_next = inbox.inbox_page(current_user, page, PER_PAGE)
    return render_template(
        "notifications/index.html",
        notifications=notifications,
        has_next=has_next,
        page=page,
        link_of=safe_link,
        button=ButtonForm(),
    )


@bp.post("/<id:notification_id>/read")
@login_required
def read(notification_id):
    """Marks one of the user's notifications read and opens its record. The signed-in user (404 for others')."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        notification = inbox.mark_read(current_user, notification_id)
    except LookupError:
        abort(404)
    return redirect(safe_link(notification) or url_for("notifications.index"), code=303)


@bp.post("/read-all")
@login_required
def read_all():
    """Marks every notification of the user read. The signed-in user."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    inbox.mark_all_read(current_user)
    flash(_("All your notifications are marked as read."), "info")
    return redirect(url_for("notifications.index"), code=303)


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """Which e-mails the user gets, per kind of event: at once, in a daily digest, or none. The signed-in user."""
    kinds = choosable_kinds(current_user)
    form = preferences_form(kinds, preferences_of(current_user))
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                set_mail_preferences(current_user, {kind: getattr(form, field_name(kind)).data for kind in kinds})
            except Refused as error:
                for message in place_errors(form, error, {kind: getattr(form, field_name(kind)) for kind in kinds}):
                    flash(message, "error")
            else:
                flash(_("Your e-mail choices are saved."), "info")
                return redirect(url_for("notifications.preferences"), code=303)
        status = 422
    return render_template(
        "notifications/preferences.html", form=form, fields=[getattr(form, field_name(k)) for k in kinds]
    ), status


# The admin's dead letters live at /admin/outbox, beside the other admin pages, but in this module.


def dead_letters():
    """Mail the worker gave up on, the most recent first, each with a button to send it again. Admins."""
    return render_template(
        "notifications/dead_letters.html",
        messages=dead_messages(DEAD_LETTERS_SHOWN),
        shown=DEAD_LETTERS_SHOWN,
        button=ButtonForm(),
    )


def retry_dead_letter(message_id):
    """Puts a dead mail back in the queue with a fresh count of attempts. Admins."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        message = send_dead_letter_again(current_user, message_id)
    except LookupError:
        abort(404)
    except ValueError:
        flash(_("This mail is no longer waiting to be sent again."), "error")
    else:
        flash(_("The mail to %(email)s is queued again.", email=message.to_email), "info")
    return redirect(url_for("notifications.dead_letters"), code=303)


@bp.record_once
def _register_admin_pages(state):
    app = state.app
    app.add_url_rule("/admin/outbox", "notifications.dead_letters", admin_required(dead_letters))
    app.add_url_rule(
        "/admin/outbox/<id:message_id>/retry",
        "notifications.retry_dead_letter",
        admin_required(retry_dead_letter),
        methods=["POST"],
    )

"""Mails rendered in the recipient's language and time zone, whoever caused them.

Each event has two templates, `templates/emails/<event>.txt` and `.html`. The text one sets the subject
(`{% set subject %}…{% endset %}`, plain text); both extend the layouts that add the footer (why the
recipient gets this mail, and a link to their preferences). `render_mail` renders them under the
recipient's locale and time zone, so `_()` and the `when`, `dateformat` and `money` filters all speak the
recipient's way, even inside a request made in another language. HTML mails are autoescaped.
"""

import contextlib

import flask_babel
import pytz
from babel.dates import get_timezone_location
from flask import current_app

from portal.labels import ROLE_LABELS, label
from portal.models import OutboxMessage, User
from portal.notifications.outbox import queue_mail
from portal.urls import public_url

TEMPLATE_DIR = "emails"


def render_mail(event: str, locale: str, timezone: str, /, **context) -> tuple[str, str, str]:
    """(subject, text, html) of the mail for `event`, in `locale` and the time zone `timezone`."""
    app = current_app
    locale = _supported_locale(locale)
    zone = _zone(timezone)
    with flask_babel.force_locale(locale), force_timezone(zone):
        context.setdefault("preferences_url", public_url("/notifications/preferences"))
        context.setdefault("account_url", public_url("/account"))
        context.setdefault("site_url", public_url("/"))
        context["mail_locale"] = locale
        context["mail_timezone_city"] = get_timezone_location(zone, locale=locale, return_city=True)
        context["role_label"] = _role_label
        app.update_template_context(context)
        text_template = app.jinja_env.get_template(f"{TEMPLATE_DIR}/{event}.txt")
        # One render gives the body and the variables the template sets at its top level: `subject`.
        rendered = text_template.make_module(context)
        subject = " ".join(str(getattr(rendered, "subject", "")).split())
        if not subject:
            raise LookupError(f"{TEMPLATE_DIR}/{event}.txt sets no subject: add {{% set subject %}}…{{% endset %}}")
        text = str(rendered).strip() + "\n"
        html_template = app.jinja_env.get_template(f"{TEMPLATE_DIR}/{event}.html")
        html = html_template.render({**context, "subject": subject})
    return subject, text, html


def queue_user_mail(
    event: str, user: User, /, attachments: list[dict] | None = None, signed_link: dict | None = None, **context
) -> OutboxMessage:
    """Renders `event` for `user` in their language and time zone and adds it to the outbox (flushes).

    The context reaches the templates as is; `user` is added to it unless given.
    """
    config = current_app.config
    locale = _supported_locale(user.locale)
    timezone = user.timezone or config["BABEL_DEFAULT_TIMEZONE"]
    context.setdefault("user", user)
    subject, text, html = render_mail(event, locale, timezone, **context)
    return queue_mail(
        event,
        user.email,
        subject,
        text,
        html,
        locale=locale,
        to_user_id=user.id,
        attachments=attachments,
        signed_link=signed_link,
    )


@contextlib.contextmanager
def force_timezone(zone):
    """Like flask_babel.force_locale, for the time zone flask-babel's date filters convert to.

    flask-babel keeps the current request's time zone in the same per-context namespace as the locale that
    force_locale overrides; without this, a mail rendered during a request would show the requester's times.
    """
    namespace = flask_babel._get_current_context()  # the one force_locale uses; created on first use
    if namespace is None:  # outside an application context: nothing to override
        yield
        return
    previous = getattr(namespace, "babel_tzinfo", None)
    namespace.babel_tzinfo = zone
    try:
        yield
    finally:
        namespace.babel_tzinfo = previous


def _supported_locale(locale: str | None) -> str:
    config = current_app.config
    return locale if locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def _zone(name: str | None):
    try:
        return pytz.timezone(name or current_app.config["BABEL_DEFAULT_TIMEZONE"])
    except pytz.UnknownTimeZoneError:
        return pytz.timezone(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _role_label(role: str) -> str:
    return label(ROLE_LABELS, role)

"""`notify(event, actor=…, **context)`: the one way the domain tells people about an event (see events.py)."""

from flask import current_app

from portal.database import utcnow
from portal.extensions import db
from portal.models import MailMode, Notification, User
from portal.notifications.events import EVENTS, Audience, Recipient
from portal.notifications.outbox import queue_mail
from portal.notifications.preferences import mail_modes
from portal.notifications.rendering import queue_user_mail, render_mail
from portal.signed_links import PLACEHOLDER
from portal.urls import public_url
from portal.visibility import can_see


def notify(event: str, *, actor=None, **context) -> list[Notification]:
    """Tells the event's recipients: in-app notifications and mail, in the caller's transaction (flushes).

    Returns the in-app notifications written.
    """
    spec = EVENTS.get(event)
    if spec is None:
        raise LookupError(f"unknown event {event!r}: add it to portal/notifications/events.py")
    context = {**context, "actor": actor}
    path = spec.link(context) if spec.link else None
    params = spec.params(context)
    attachments = spec.attachments(context) if spec.attachments else None
    # A link that acts for the recipient is signed only as the mail leaves (portal/signed_links.py).
    signed_link = context.pop("signed_link", None)
    if signed_link is not None:
        context["link"] = PLACEHOLDER
    deliveries = _recipients(spec, context, actor)

    modes = (
        {}
        if spec.security
        else mail_modes([r.id for _a, r in deliveries if isinstance(r, User)], spec.kind)  # one query
    )
    now = utcnow()
    written = []
    for audience, recipient in deliveries:
        user = recipient if isinstance(recipient, User) else None
        mode = MailMode.IMMEDIATE if spec.security else modes.get(recipient.id, MailMode.IMMEDIATE)
        if not audience.mail:
            mode = MailMode.NONE
        notification = None
        if user is not None and audience.text is not None:
            notification = Notification(
                user_id=user.id,
                event=spec.name,
                audience=audience.name,
                params=params,
                link=path,
                created_at=now,
                mail=mode,
            )
            db.session.add(notification)
            written.append(notification)
        if mode != MailMode.IMMEDIATE:
            continue
        mail_context = {
            **context,
            "user": user,
            "audience": audience.name,
            "link": context.get("link") or (public_url(path) if path else public_url("/")),
        }
        if user is not None:
            queue_user_mail(spec.name, user, attachments=attachments, signed_link=signed_link, **mail_context)
        else:
            locale = recipient.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
            timezone = recipient.timezone or current_app.config["BABEL_DEFAULT_TIMEZONE"]
            subject, text, html = render_mail(spec.name, locale, timezone, **mail_context)
            queue_mail(
                spec.name,
                recipient.email,
                subject,
                text,
                html,
                locale=locale,
                to_user_id=recipient.user_id,
                attachments=attachments,
                signed_link=signed_link,
            )
        if notification is not None:
            notification.emailed_at = now
    db.session.flush()
    return written


def _recipients(spec, context: dict, actor) -> list[tuple[Audience, Recipient]]:
    """Each recipient once (by their first audience), without the actor unless the row says so, without
    disabled accounts, and only those who may see the event's record."""
    record = spec.subject(context) if spec.subject else None
    actor_id = getattr(actor, "id", None)
    deliveries: list[tuple[Audience, Recipient]] = []
    seen: set = set()
    for audience in spec.audiences:
        for recipient in audience.who(context):
            key = ("user", recipient.id) if isinstance(recipient, User) else ("address", recipient.email.lower())
            if key in seen:
                continue
            seen.add(key)
            if isinstance(recipient, User):
                if recipient.id == actor_id and not (spec.notify_actor or spec.security):
                    continue
                if not recipient.is_active and not spec.security:
                    continue
                if record is not None and not can_see(recipient, record):
                    continue
            deliveries.append((audience, recipient))
    return deliveries

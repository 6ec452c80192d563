"""Who hears about what: every domain event, its recipients, its kind, its in-app text and its mail, in one table.

`notify(event, actor=…, **context)` (portal/notifications/notify.py) is the only way domain code tells people
about something. In the caller's transaction (it flushes, never commits) it
1. resolves the event's recipients from its row in EVENTS — by role and organisation, or an address — and
   keeps only those who may see the event's record (`subject`, through portal/visibility.py): nobody is told
   what the record would hide from them;
2. writes one in-app `Notification` per recipient with an account, the actor left out (unless the row says
   otherwise): the event, the audience, JSON `params` and the path of the record. The text itself is a
   lazy-translated format string of the row, rendered with the params when the notification is shown, in
   the viewer's language (`notification_text`, portal/notifications/inbox.py);
3. queues mail per the recipient's preference for the event's kind (portal/notifications/preferences.py):
   at once through the outbox (`queue_user_mail`, or `render_mail` + `queue_mail` for a bare address), or
   left for the daily digest (portal/notifications/digest.py), or none. Account and security events
   (`security=True`) always go by mail at once, whatever the preferences, and are never offered as a choice.

The mail itself leaves later: the outbox worker delivers what the request committed.

How to add an event
-------------------
1. Add a row to the EVENTS table at the end of this module:

       Event(
           "project_submitted",
           kind="projects",                       # a key of KINDS: add it there, with its label, if new
           subject=lambda c: c["project"],        # the record: only who may see it is told
           link=lambda c: f"/projects/{c['project'].id}",
           params=lambda c: {"project": c["project"].title, "association": c["project"].association.name},
           audiences=(
               Audience("officials", who=commune_officials,   # a function of the context: Users or Addresses
                        text=_l("%(association)s submitted %(project)s.")),
               Audience("mediators", who=mediators, text=_l("…"), mail=False),   # in-app only
           ),
       )

   - `audiences`: each group of people told the same thing. `name` is stored with the notification and
     picks its text; `who(context)` returns the recipients (a user in two audiences is told once, by the
     first); `text` is the in-app text (`_l`, %-format over the params; None only for mail-only security
     events); `mail=False` for in-app only.
   - `params(context)`: plain JSON values, names rather than objects: the text is rendered later, when the
     record may have changed or gone, in its reader's language. Keys ending in "role" are shown as the
     role's translated label; days (`notice_day`, keys ending in "date" or "_on") and amounts
     (`notice_money`, the key "amount") as the reader's language writes them (`shown_param` in inbox.py).
   - `link(context)`: the path of the record (in-app link, and the mail's link made absolute).
   - `subject(context)`: the record the event is about; each recipient must pass `visibility.can_see` for it
     (add the record's rule there if it is a new kind of record). `personal=True` instead, for an event
     about the recipient's own account or membership, which they know of whatever they may see now.
   - `security=True` (no `kind`) for account and security mails; `notify_actor=True` when the one who acts
     must be told too (a hand-over changes the actor's own rights).
2. Write `templates/emails/<event>.txt` (it sets `subject`) and `.html`, extending the mail layouts. They
   receive the context given to notify(), plus `user` (the recipient; None for a bare address),
   `audience`, `actor` and `link` (absolute). The daily digest needs nothing more: it lists the in-app
   texts.
3. Call `notify("project_submitted", actor=actor, project=project)` (from portal.notifications.notify) in
   the domain operation, after the change is flushed.
4. Add the event's row to the recipients matrix of tests/test_notifications.py, and its strings to the
   translations.
"""

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.models import Organisation, User
from portal.money import format_amount
from portal.notifications import recipients
from portal.visibility import acting_organisation_ids, party_organisation_ids

Context = dict


@dataclass(frozen=True)
class Address:
    """Someone reached by mail at an address that may have no account yet (an invitation)."""

    email: str
    locale: str | None = None
    timezone: str | None = None
    user_id: int | None = None


Recipient = User | Address


@dataclass(frozen=True)
class Audience:
    name: str
    who: Callable[[Context], Iterable[Recipient]]
    text: object | None = None  # a lazy string; None: no in-app notification (mail-only security events)
    mail: bool = True


@dataclass(frozen=True)
class Event:
    name: str
    audiences: tuple[Audience, ...]
    kind: str | None = None  # the preference it falls under (KINDS); None for security events
    security: bool = False  # account and security mails: always by mail, at once
    subject: Callable[[Context], object] | None = None  # the record: only who may see it is told
    personal: bool = False  # about each recipient's own membership: told whatever they may see now
    link: Callable[[Context], str] | None = None  # the path of the record
    params: Callable[[Context], dict] = field(default=lambda context: {})
    notify_actor: bool = False
    # Files every mail of the event carries: [{"filename", "content_type", "content_base64"}] (an .ics).
    attachments: Callable[[Context], list[dict]] | None = None

    def audience(self, name: str) -> Audience | None:
        return next((a for a in self.audiences if a.name == name), None)

    def check(self) -> None:
        if self.security == (self.kind is not None):
            raise ValueError(f"event {self.name}: give a kind, or mark it security (not both)")
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"event {self.name}: unknown kind {self.kind!r}, add it to KINDS")
        if not self.security and (self.subject is None) == (not self.personal):
            raise ValueError(f"event {self.name}: name the record it is about (subject), or mark it personal")
        for audience in self.audiences:
            if audience.text is None and not self.security:
                raise ValueError(f"event {self.name}: audience {audience.name} needs an in-app text")
            if audience.text is None and not audience.mail:
                raise ValueError(f"event {self.name}: audience {audience.name} would be told nothing")


# The kinds of events a user chooses immediate / digest / none for, in the order the preferences page lists them.
KINDS = {
    "organisation": _l("Verification of your association"),
    "membership": _l("Members and roles in your organisations"),
    "projects": _l("Your projects: submissions, answers and discussion"),
    "escalations": _l("Projects left unanswered (mediators)"),
    "meetings": _l("Consultation meetings: invitations, changes, reminders and minutes"),
    "commitments": _l("Commitments: recorded, reported, confirmed, contested, due"),
    "disputes": _l("Disputes you are a party to or mediate"),
}
# Kinds only mediators receive, offered to them alone.
MEDIATOR_KINDS = frozenset({"escalations"})


# Recipients, subjects, links and params, from the context given to notify() ------------------------------


def notice_day(day: date) -> str:
    """A day as a param stores it (ISO), under a key ending in "date" or "_on": the inbox shows it in its
    reader's language (`shown_param`, portal/notifications/inbox.py)."""
    return day.isoformat()


def notice_money(amount: Decimal, currency: str) -> str:
    """An amount as a param stores it, under the key "amount": "5000.00 EUR", shown as the reader reads money."""
    return f"{format_amount(amount, currency)} {currency}"


def the_user(context: Context) -> list[User]:
    return [context["user"]]


def the_member(context: Context) -> list[User]:
    return [context["member"]]


def the_successor(context: Context) -> list[User]:
    return [context["successor"]]


def the_former_manager(context: Context) -> list[User]:
    return [context["former_manager"]]


def the_invitee(context: Context) -> list[Address]:
    """The invited address, in the language and time zone of its account if it has one."""
    invitation = context["invitation"]
    account = recipients.account_for(invitation.email)
    return [
        Address(
            invitation.email,
            locale=account.locale if account else None,
            timezone=account.timezone if account else None,
            user_id=account.id if account else None,
        )
    ]


def the_address(context: Context) -> list[Address]:
    """A bare address that has no (active) account: told in the portal's default language."""
    return [Address(context["email"])]


def the_new_address(context: Context) -> list[Address]:
    account = context["account"]
    return [Address(context["email"], locale=account.locale, timezone=account.timezone, user_id=account.id)]


def the_old_address(context: Context) -> list[Address]:
    account = context["account"]
    return [Address(context["old_email"], locale=account.locale, timezone=account.timezone, user_id=account.id)]


def the_managers(context: Context) -> list[User]:
    return recipients.managers_of(context["organisation"])


def the_organisation(context: Context):
    return context["organisation"]


def organisation_link(context: Context) -> str:
    return f"/organisations/{context['organisation'].id}"


def _names(**keys: str) -> Callable[[Context], dict]:
    """params = {param: name of the context's object} for objects with a `name` (users, organisations)."""
    return lambda context: {param: context[key].name for param, key in keys.items()}


def _membership_params(*extra: str) -> Callable[[Context], dict]:
    def params(context: Context) -> dict:
        values = {"organisation": context["organisation"].name}
        for key in extra:
            value = context[key]
            values[key] = value.name if isinstance(value, User) else value
        return values

    return params


def _association_officers(context: Context) -> list[User]:
    return recipients.managers_of(context["project"].association)


def _commune_officials(context: Context) -> list[User]:
    return recipients.commune_officials(context["project"].commune_id)


def _mediators(context: Context) -> list[User]:
    return recipients.mediators()


def the_project(context: Context):
    return context["project"]


def project_link(context: Context) -> str:
    return f"/projects/{context['project'].id}"


def project_params(context: Context) -> dict:
    project = context["project"]
    actor = context.get("actor")
    return {
        "project": project.title,
        "association": project.association.name,
        "commune": project.commune.display_name,
        "actor": actor.name if actor is not None else "",
        "comment": context.get("comment") or "",
    }


def project_event(
    name: str,
    to_association: object = None,
    to_commune: object = None,
    to_mediators: object = None,
    kind: str = "projects",
) -> Event:
    """A project's event: its texts for the association's officers, the commune's officials, the mediators."""
    audiences = []
    if to_association is not None:
        audiences.append(Audience("association", _association_officers, to_association))
    if to_commune is not None:
        audiences.append(Audience("commune", _commune_officials, to_commune))
    if to_mediators is not None:
        audiences.append(Audience("mediators", _mediators, to_mediators))
    return Event(
        name, kind=kind, subject=the_project, link=project_link, params=project_params, audiences=tuple(audiences)
    )


def _meeting_invitees(context: Context) -> list[User]:
    return recipients.acting_members(i.organisation_id for i in context["meeting"].invitees)


def _meeting_organisers(context: Context) -> list[User]:
    return recipients.organiser_officials(context["meeting"].organiser)


def _meeting_attendees(context: Context) -> list[User]:
    """The attending parties asked to approve the minutes: never the organiser, who wrote them."""
    meeting = context["meeting"]
    return recipients.acting_members(
        a.organisation_id for a in meeting.attendees if a.organisation_id != meeting.organiser_id
    )


def meeting_params(context: Context) -> dict:
    meeting = context["meeting"]
    actor = context.get("actor")
    return {
        "meeting": meeting.title,
        "organiser": meeting.organiser.name,
        "actor": actor.name if actor is not None else "",
        "organisation": context["organisation"].name if context.get("organisation") is not None else "",
        "comment": context.get("comment") or "",
    }


def _promising_side(context: Context) -> list[User]:
    return recipients.acting_members_of(context["commitment"].organisation_id)


def _other_side(context: Context) -> list[User]:
    """Who speaks for the other parties: the commune's officials, the other organisations' managers."""
    commitment = context["commitment"]
    project = commitment.project
    people = []
    for organisation_id in sorted(party_organisation_ids(project) - {commitment.organisation_id}):
        organisation = db.session.get(Organisation, organisation_id)
        if organisation.kind == "commune":
            people += recipients.commune_officials(project.commune_id)
        else:
            people += recipients.managers_of(organisation)
    return people


def commitment_params(context: Context) -> dict:
    commitment = context["commitment"]
    actor = context.get("actor")
    return {
        "project": commitment.project.title,
        "organisation": commitment.organisation.name,
        "description": commitment.description[:200],
        "due_date": notice_day(commitment.due_date),
        "actor": actor.name if actor is not None else "",
        "comment": context.get("comment") or "",
    }


def meeting_ics(context: Context) -> list[dict]:
    """The .ics the domain put in the context (`ics`: bytes), as the mail's attachment."""
    return [
        {
            "filename": "invitation.ics",
            "content_type": "text/calendar; method=" + context.get("ics_method", "REQUEST"),
            "content_base64": base64.b64encode(context["ics"]).decode("ascii"),
        }
    ]


def meeting_event(name: str, *audiences: Audience, ics: bool = False) -> Event:
    return Event(
        name,
        kind="meetings",
        subject=lambda c: c["meeting"],
        link=lambda c: f"/meetings/{c['meeting'].id}",
        params=meeting_params,
        audiences=audiences,
        attachments=meeting_ics if ics else None,
    )


def commitment_event(name: str, to_promising=None, to_others=None, to_mediators=None, kind="commitments") -> Event:
    """A commitment's event: its texts for the promising organisation, the other side, the mediators."""
    audiences = []
    if to_promising is not None:
        audiences.append(Audience("promising", _promising_side, to_promising))
    if to_others is not None:
        audiences.append(Audience("others", _other_side, to_others))
    if to_mediators is not None:
        audiences.append(Audience("mediators", _mediators, to_mediators))
    return Event(
        name,
        kind=kind,
        subject=lambda c: c["commitment"],
        link=lambda c: f"/projects/{c['commitment'].project_id}#commitment-{c['commitment'].id}",
        params=commitment_params,
        audiences=tuple(audiences),
    )


def _funder_members(context: Context) -> list[User]:
    return recipients.acting_members_of(context["funding_line"].organisation_id)


def _dispute_parties(context: Context) -> list[User]:
    """The members who act for the dispute's two parties (observers are not told: they may not see it)."""
    dispute = context["dispute"]
    return recipients.acting_members([dispute.claimant_id, dispute.respondent_id])


def _dispute_mediators(context: Context) -> list[User]:
    """The dispute's mediator once one is assigned, before that every mediator who is not a party to it."""
    dispute = context["dispute"]
    if dispute.mediator is not None and dispute.mediator.is_active:
        return [dispute.mediator]
    parties = {dispute.claimant_id, dispute.respondent_id}
    return [user for user in recipients.mediators() if not acting_organisation_ids(user) & parties]


def dispute_params(context: Context) -> dict:
    dispute = context["dispute"]
    actor = context.get("actor")
    return {
        "subject": dispute.subject,
        "project": dispute.project.title,
        "claimant": dispute.claimant.name,
        "respondent": dispute.respondent.name,
        "mediator": dispute.mediator.name if dispute.mediator is not None else "",
        "actor": actor.name if actor is not None else "",
        "party": context.get("party") or "",  # the party the actor answered for (accept, object, appeal)
        "comment": context.get("comment") or "",
    }


def dispute_event(name: str, to_parties=None, to_mediators=None) -> Event:
    """A dispute's event: its texts for the parties' acting members and for the mediators; nobody else."""
    audiences = []
    if to_parties is not None:
        audiences.append(Audience("parties", _dispute_parties, to_parties))
    if to_mediators is not None:
        audiences.append(Audience("mediators", _dispute_mediators, to_mediators))
    return Event(
        name,
        kind="disputes",
        subject=lambda c: c["dispute"],
        link=lambda c: f"/disputes/{c['dispute'].id}",
        params=dispute_params,
        audiences=tuple(audiences),
    )


# After agreement (contributions paid, facilities): the domain names the organisations in the context ------


def _paying_members(context: Context) -> list[User]:
    return recipients.acting_members([context["paying_id"]] if context.get("paying_id") else [])


def _receiving_members(context: Context) -> list[User]:
    return recipients.acting_members([context["receiving_id"]] if context.get("receiving_id") else [])


def _owner_members(context: Context) -> list[User]:
    owner_id = context["project"].owner_organisation_id
    return recipients.acting_members([owner_id] if owner_id else [])


def contribution_params(context: Context) -> dict:
    contribution = context["contribution"]
    return {
        "project": context["project"].title,
        "payer": context.get("payer") or "",
        "amount": notice_money(contribution.amount, contribution.currency),
        "comment": context.get("comment") or "",
    }


def contributions_link(context: Context) -> str:
    return f"/projects/{context['project'].id}/contributions"


def facility_link(context: Context) -> str:
    return f"/projects/{context['project'].id}/facility"


def contribution_event(name: str, to_paying=None, to_receiving=None) -> Event:
    audiences = []
    if to_paying is not None:
        audiences.append(Audience("paying", _paying_members, to_paying))
    if to_receiving is not None:
        audiences.append(Audience("receiving", _receiving_members, to_receiving))
    return Event(
        name,
        kind="commitments",
        subject=the_project,
        link=contributions_link,
        params=contribution_params,
        audiences=tuple(audiences),
    )


# The table ----------------------------------------------------------------------------------------------

_TABLE = (
    # Account and security: always by mail, at once; no in-app notification.
    Event("account_confirmation", security=True, audiences=(Audience("account", the_user),)),
    Event("password_reset", security=True, audiences=(Audience("account", the_user),)),
    Event("invitation", security=True, audiences=(Audience("invitee", the_invitee),)),
    # A reset asked for an address with no active account: it is told so, as an account would get its link.
    Event("password_reset_no_account", security=True, audiences=(Audience("address", the_address),)),
    # Someone signed up, or asked to move their account, to an address that has an account: its owner is told,
    # the form says nothing more.
    Event("address_taken", security=True, audiences=(Audience("account", the_user),)),
    # The link that moves an account to a new address, sent to that address, in the account's language.
    Event("email_change", security=True, audiences=(Audience("new_address", the_new_address),)),
    # The account moved to a new address: the address it left is told (someone else may have moved it).
    Event("email_changed", security=True, audiences=(Audience("old_address", the_old_address),)),
    # Associations: the ministry's decision, to the association's officers.
    Event(
        "association_verified",
        kind="organisation",
        subject=the_organisation,
        link=organisation_link,
        params=_names(organisation="organisation"),
        audiences=(
            Audience(
                "officers", the_managers, _l("%(organisation)s is verified: the association can now propose projects.")
            ),
        ),
    ),
    Event(
        "association_refused",
        kind="organisation",
        subject=the_organisation,
        link=organisation_link,
        params=_names(organisation="organisation"),
        audiences=(
            Audience("officers", the_managers, _l("%(organisation)s could not be verified: see the reason given.")),
        ),
    ),
    # Memberships.
    Event(
        "membership_added",
        kind="membership",
        subject=the_organisation,
        link=organisation_link,
        params=_membership_params("member", "role"),
        audiences=(
            Audience("member", the_member, _l("You are now a member of %(organisation)s, as %(role)s.")),
            Audience("managers", the_managers, _l("%(member)s joined %(organisation)s as %(role)s.")),
        ),
    ),
    Event(
        "membership_role_changed",
        kind="membership",
        subject=the_organisation,
        link=organisation_link,
        params=_membership_params("role", "previous_role"),
        audiences=(Audience("member", the_member, _l("Your role in %(organisation)s is now %(role)s.")),),
    ),
    Event(
        "membership_removed",
        kind="membership",
        personal=True,  # the former member knew the organisation; an unverified one is hidden from them now
        link=organisation_link,
        params=_membership_params(),
        audiences=(Audience("member", the_member, _l("You are no longer a member of %(organisation)s.")),),
    ),
    Event(
        "membership_left",
        kind="membership",
        subject=the_organisation,
        link=organisation_link,
        params=_membership_params("member"),
        audiences=(Audience("managers", the_managers, _l("%(member)s left %(organisation)s.")),),
    ),
    Event(
        "membership_handed_over",
        kind="membership",
        subject=the_organisation,
        link=organisation_link,
        params=_membership_params("successor", "former_manager", "role", "former_manager_role"),
        # The one who hands over is the actor, and is told too: their own rights changed.
        notify_actor=True,
        audiences=(
            Audience(
                "successor",
                the_successor,
                _l("%(former_manager)s handed the role of %(role)s of %(organisation)s over to you."),
            ),
            Audience(
                "former_manager",
                the_former_manager,
                _l(
                    "You handed the role of %(role)s of %(organisation)s over to %(successor)s; "
                    "your role is now %(former_manager_role)s."
                ),
            ),
        ),
    ),
    # Projects: each workflow action (`project_<action>`), the discussion, the escalation.
    project_event("project_submit", to_commune=_l("%(association)s submitted “%(project)s” to %(commune)s.")),
    project_event(
        "project_resubmit",
        to_commune=_l("%(association)s resubmitted “%(project)s” to %(commune)s with the changes asked for."),
    ),
    project_event(
        "project_edit_submitted",
        to_commune=_l(
            "%(association)s changed “%(project)s” before its review; the page shows the project as it is now."
        ),
    ),
    project_event("project_withdraw", to_commune=_l("%(association)s withdrew “%(project)s”.")),
    project_event("project_start_review", to_association=_l("%(commune)s is reviewing “%(project)s”.")),
    project_event(
        "project_request_changes", to_association=_l("%(commune)s asks for changes to “%(project)s”: %(comment)s")
    ),
    project_event(
        "project_open_consultation",
        to_association=_l("%(commune)s opened the consultation on “%(project)s”."),
        to_commune=_l("The consultation on “%(project)s” is open."),
    ),
    project_event("project_agree", to_association=_l("%(commune)s agreed to “%(project)s”.")),
    project_event("project_decline", to_association=_l("%(commune)s declined “%(project)s”: %(comment)s")),
    project_event("project_start_implementation", to_association=_l("The works of “%(project)s” have started.")),
    project_event("project_complete", to_association=_l("“%(project)s” is completed.")),
    project_event("project_hand_over", to_association=_l("“%(project)s” is handed over to its owner.")),
    project_event(
        "project_comment",
        to_association=_l("%(actor)s wrote about “%(project)s”."),
        to_commune=_l("%(actor)s wrote about “%(project)s”."),
    ),
    project_event(
        "project_escalated",
        kind="escalations",
        to_mediators=_l("“%(project)s” of %(association)s has waited too long for an answer from %(commune)s."),
    ),
    # Meetings: to every acting member of the invited organisations, and the organiser's officials.
    meeting_event(
        "meeting_invited",
        Audience("invitees", _meeting_invitees, _l("%(organiser)s invites you to “%(meeting)s”.")),
        Audience("organisers", _meeting_organisers, _l("“%(meeting)s” is scheduled; the invitations are sent.")),
        ics=True,
    ),
    meeting_event(
        "meeting_rescheduled",
        Audience("invitees", _meeting_invitees, _l("“%(meeting)s” has a new time or place.")),
        Audience("organisers", _meeting_organisers, _l("“%(meeting)s” has a new time or place.")),
        ics=True,
    ),
    meeting_event(
        "meeting_cancelled",
        Audience("invitees", _meeting_invitees, _l("“%(meeting)s” is cancelled: %(comment)s")),
        Audience("organisers", _meeting_organisers, _l("“%(meeting)s” is cancelled: %(comment)s")),
        ics=True,
    ),
    meeting_event(
        "meeting_reminder",
        Audience("invitees", _meeting_invitees, _l("Reminder: “%(meeting)s” is coming soon.")),
        Audience("organisers", _meeting_organisers, _l("Reminder: “%(meeting)s” is coming soon.")),
    ),
    meeting_event(
        "meeting_minutes_posted",
        Audience("attendees", _meeting_attendees, _l("The minutes of “%(meeting)s” are posted: approve or comment.")),
        Audience("invitees", _meeting_invitees, _l("The minutes of “%(meeting)s” are posted.")),
        Audience("organisers", _meeting_organisers, _l("The minutes of “%(meeting)s” are posted.")),
    ),
    meeting_event(
        "meeting_minutes_answered",
        Audience("organisers", _meeting_organisers, _l("%(organisation)s answered the minutes of “%(meeting)s”.")),
    ),
    # Commitments: recorded, each workflow action (`commitment_<action>`), reminders, escalation; funders.
    commitment_event(
        "commitment_recorded",
        to_promising=_l("%(actor)s recorded a commitment of %(organisation)s on “%(project)s”: %(description)s"),
        to_others=_l("%(actor)s recorded a commitment of %(organisation)s on “%(project)s”: %(description)s"),
    ),
    commitment_event(
        "commitment_report_fulfilled",
        to_others=_l("%(organisation)s reports its commitment on “%(project)s” fulfilled: confirm or contest it."),
    ),
    commitment_event(
        "commitment_confirm",
        to_promising=_l("The commitment of %(organisation)s on “%(project)s” is confirmed."),
    ),
    commitment_event(
        "commitment_contest",
        to_promising=_l("The commitment of %(organisation)s on “%(project)s” is contested: %(comment)s"),
    ),
    commitment_event(
        "commitment_cancel",
        to_promising=_l("The commitment of %(organisation)s on “%(project)s” is cancelled: %(comment)s"),
        to_others=_l("The commitment of %(organisation)s on “%(project)s” is cancelled: %(comment)s"),
    ),
    commitment_event(
        "commitment_due_soon",
        to_promising=_l("The commitment of %(organisation)s on “%(project)s” falls due on %(due_date)s."),
    ),
    commitment_event(
        "commitment_overdue",
        to_promising=_l("The commitment of %(organisation)s on “%(project)s” was due on %(due_date)s."),
        to_others=_l("The commitment of %(organisation)s on “%(project)s” was due on %(due_date)s."),
    ),
    commitment_event(
        "commitment_escalated",
        kind="escalations",
        to_mediators=_l(
            "The commitment of %(organisation)s on “%(project)s”, due on %(due_date)s, is still not fulfilled."
        ),
    ),
    Event(
        "funding_line_to_confirm",
        kind="commitments",
        subject=the_project,
        link=project_link,
        params=lambda c: {"project": c["project"].title, "organisation": c["funding_line"].organisation.name},
        audiences=(
            Audience(
                "funder",
                _funder_members,
                _l("“%(project)s” names %(organisation)s as a funder: confirm its line on the portal."),
            ),
        ),
    ),
    Event(
        "funding_line_confirmed",
        kind="projects",
        subject=the_project,
        link=project_link,
        params=lambda c: {"project": c["project"].title, "organisation": c["funding_line"].organisation.name},
        audiences=(
            Audience(
                "association", _association_officers, _l("%(organisation)s confirmed its funding of “%(project)s”.")
            ),
            Audience("commune", _commune_officials, _l("%(organisation)s confirmed its funding of “%(project)s”.")),
        ),
    ),
    # Two-factor authentication turned on or off: the owner is told by mail, always (someone else may have done it).
    Event("two_factor_enabled", security=True, audiences=(Audience("account", the_user),)),
    Event("two_factor_disabled", security=True, audiences=(Audience("account", the_user),)),
    # Someone who has the password spent the account's budget of wrong codes: its owner is told, once a window.
    Event("two_factor_codes_guessed", security=True, audiences=(Audience("account", the_user),)),
)

# Disputes: opened, each workflow action (`dispute_<action>`), the thread, the deadlines passed.
_TABLE += (
    dispute_event(
        "dispute_opened",
        to_parties=_l("%(claimant)s opened a dispute with %(respondent)s on “%(project)s”: %(subject)s"),
        to_mediators=_l("A dispute awaits a mediator: %(claimant)s against %(respondent)s on “%(project)s”."),
    ),
    dispute_event(
        "dispute_assign",
        to_parties=_l("%(mediator)s mediates the dispute “%(subject)s”."),
        to_mediators=_l("You mediate the dispute “%(subject)s” (%(claimant)s against %(respondent)s)."),
    ),
    dispute_event(
        "dispute_acknowledge",
        to_parties=_l("The ministry acknowledged the dispute “%(subject)s”."),
        to_mediators=_l("%(actor)s acknowledged the dispute “%(subject)s”."),
    ),
    dispute_event(
        "dispute_start_mediation",
        to_parties=_l("The mediation of the dispute “%(subject)s” has started, with %(mediator)s."),
        to_mediators=_l("%(actor)s started the mediation of the dispute “%(subject)s”."),
    ),
    dispute_event(
        "dispute_resolve",
        to_parties=_l("A settlement is recorded for the dispute “%(subject)s”: accept it or object."),
        to_mediators=_l("%(actor)s recorded a settlement for the dispute “%(subject)s”."),
    ),
    dispute_event(
        "dispute_dismiss",
        to_parties=_l("The dispute “%(subject)s” is dismissed: %(comment)s"),
        to_mediators=_l("%(actor)s dismissed the dispute “%(subject)s”: %(comment)s"),
    ),
    dispute_event(
        "dispute_close",
        to_parties=_l("The dispute “%(subject)s” is closed."),
        to_mediators=_l("%(actor)s closed the dispute “%(subject)s”."),
    ),
    dispute_event(
        "dispute_accept",
        to_parties=_l("%(party)s accepts the settlement of the dispute “%(subject)s”."),
        to_mediators=_l("%(party)s accepts the settlement of the dispute “%(subject)s”."),
    ),
    dispute_event(
        "dispute_object",
        to_parties=_l("%(party)s objects to the settlement of the dispute “%(subject)s”: %(comment)s"),
        to_mediators=_l("%(party)s objects to the settlement of the dispute “%(subject)s”: %(comment)s"),
    ),
    dispute_event(
        "dispute_appeal",
        to_parties=_l("%(party)s appealed the dispute “%(subject)s”: it goes back to mediation."),
        to_mediators=_l("%(party)s appealed the dispute “%(subject)s”: it goes back to mediation."),
    ),
    dispute_event(
        "dispute_message",
        to_parties=_l("%(actor)s wrote in the dispute “%(subject)s”."),
        to_mediators=_l("%(actor)s wrote in the dispute “%(subject)s”."),
    ),
    dispute_event(
        "dispute_acknowledge_overdue",
        to_mediators=_l("The dispute “%(subject)s” is past its deadline to be acknowledged."),
    ),
    dispute_event(
        "dispute_resolution_overdue",
        to_mediators=_l("The dispute “%(subject)s” is past its deadline to be resolved."),
    ),
)

_TABLE += (
    # After agreement: contributions paid, and the facility's yearly check.
    contribution_event(
        "contribution_report",
        to_receiving=_l("%(payer)s reports %(amount)s paid on “%(project)s”: confirm it was received, or contest it."),
    ),
    contribution_event(
        "contribution_report_again",
        to_receiving=_l("%(payer)s reports again %(amount)s paid on “%(project)s”: confirm it was received."),
    ),
    contribution_event(
        "contribution_confirm",
        to_paying=_l("The %(amount)s paid by %(payer)s on “%(project)s” are confirmed as received."),
    ),
    contribution_event(
        "contribution_contest",
        to_paying=_l("The %(amount)s paid by %(payer)s on “%(project)s” are contested: %(comment)s"),
    ),
    Event(
        "facility_checked",
        kind="projects",
        subject=the_project,
        link=facility_link,
        params=lambda c: {"project": c["project"].title},
        audiences=(
            Audience(
                "association",
                _association_officers,
                _l("The owner of the facility of “%(project)s” recorded its yearly check."),
            ),
            Audience(
                "commune",
                _commune_officials,
                _l("The owner of the facility of “%(project)s” recorded its yearly check."),
            ),
        ),
    ),
    Event(
        "facility_check_due",
        kind="projects",
        subject=the_project,
        link=facility_link,
        params=lambda c: {"project": c["project"].title},
        audiences=(
            Audience(
                "owner",
                _owner_members,
                _l("Say whether the facility of “%(project)s” still works: its yearly check is due."),
            ),
        ),
    ),
    Event(
        "progress_report_posted",
        kind="projects",
        subject=the_project,
        link=lambda c: f"/projects/{c['project'].id}/progress",
        params=lambda c: {"project": c["project"].title, "percent": c["report"].percent_complete},
        audiences=(
            Audience(
                "association",
                _association_officers,
                _l("The commune reports “%(project)s” %(percent)s %% complete: read its report and comment."),
            ),
        ),
    ),
    Event(
        "progress_report_commented",
        kind="projects",
        subject=the_project,
        link=lambda c: f"/projects/{c['project'].id}/progress",
        params=lambda c: {"project": c["project"].title, "comment": c.get("comment") or ""},
        audiences=(
            Audience(
                "commune", _commune_officials, _l("The association commented the progress report of “%(project)s”.")
            ),
        ),
    ),
    Event(
        "progress_report_due",
        kind="projects",
        subject=the_project,
        link=lambda c: f"/projects/{c['project'].id}/progress",
        params=lambda c: {"project": c["project"].title, "due_on": notice_day(c["due_on"])},
        audiences=(
            Audience("commune", _commune_officials, _l("The progress report of “%(project)s” was due on %(due_on)s.")),
        ),
    ),
    Event(
        "progress_report_missing",
        kind="escalations",
        subject=the_project,
        link=lambda c: f"/projects/{c['project'].id}/progress",
        params=lambda c: {"project": c["project"].title, "due_on": notice_day(c["due_on"])},
        audiences=(
            Audience(
                "mediators",
                _mediators,
                _l("The commune has not reported on “%(project)s” since its report due on %(due_on)s."),
            ),
        ),
    ),
    project_event(
        "amendment_proposed",
        to_association=_l("%(actor)s proposes an amendment of the budget or funding of “%(project)s”: %(comment)s"),
        to_commune=_l("%(actor)s proposes an amendment of the budget or funding of “%(project)s”: %(comment)s"),
    ),
    project_event(
        "amendment_accept",
        to_association=_l("The amendment of “%(project)s” is accepted: its new amounts are in force."),
        to_commune=_l("The amendment of “%(project)s” is accepted: its new amounts are in force."),
    ),
    project_event(
        "amendment_reject",
        to_association=_l("The amendment of “%(project)s” is rejected: %(comment)s"),
        to_commune=_l("The amendment of “%(project)s” is rejected: %(comment)s"),
    ),
    Event(
        "works_accepted",
        kind="projects",
        subject=the_project,
        link=lambda c: f"/projects/{c['project'].id}/acceptance",
        params=lambda c: {"project": c["project"].title, "kind": c["acceptance"].kind},
        audiences=(
            Audience(
                "association",
                _association_officers,
                _l("The commune recorded the acceptance of the works of “%(project)s”."),
            ),
            Audience(
                "commune", _commune_officials, _l("The commune recorded the acceptance of the works of “%(project)s”.")
            ),
        ),
    ),
    project_event(
        "convention_signed",
        to_association=_l("The signed convention of “%(project)s” is on the portal."),
        to_commune=_l("The signed convention of “%(project)s” is on the portal."),
    ),
)

EVENTS: dict[str, Event] = {}
for _event in _TABLE:
    _event.check()
    EVENTS[_event.name] = _event

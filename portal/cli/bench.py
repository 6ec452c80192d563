"""`flask seed-bench`: national-scale data for the benchmark (tests/bench.py). Refused in production.

On top of the demo data, in proportion to PROJECTS (N): a commune organisation for every commune of the current
map with its indicators, about N/10 verified associations and a few partners, N projects tagged "[bench]" in
every state with their budget and funding lines, about 3N commitments, N/5 past consultation meetings with
minutes, N/50 disputes, tranches paid on agreed projects, facilities handed over with their checks; and the
audit events all of that implies, chained as `record` chains them (`flask audit verify` passes). Idempotent-ish:
a second run with the same N adds nothing; a larger N adds the difference.
"""

import contextlib
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import click
from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, insert, select, text

from portal.cli.demo import PATHS, seed_demo
from portal.database import utcnow
from portal.domain.audit import append_many
from portal.domain.settings import get_setting
from portal.extensions import db
from portal.labels import PARTY_KIND_LABELS, label
from portal.models import (
    INDICATORS_BY_CODE,
    BudgetLine,
    Commitment,
    Commune,
    Contribution,
    Dispute,
    DisputeMessage,
    Facility,
    FacilityCheck,
    FundingLine,
    HomeCommune,
    IndicatorValue,
    MapVersion,
    Meeting,
    MeetingAttendee,
    MeetingInvitee,
    MeetingProject,
    Membership,
    Organisation,
    Project,
    ProjectReporting,
    User,
    Verification,
)
from portal.models.projects import PUBLIC_STATUSES, SECTORS
from portal.search import search_key

BENCH_TAG = "[bench]"
BATCH = 5000
ASSOCIATIONS_PER_PROJECT = 10  # one association for ten projects
PROJECTS_PER_PARTNER = 2000
INDICATOR_SOURCE = f"{BENCH_TAG} Estimations de référence"
# Where the diaspora lives, roughly as often as the associations say.
COUNTRIES = (
    ("FR", ("Paris", "Montreuil", "Saint-Denis", "Lyon", "Marseille"), 40),
    ("ES", ("Madrid", "Barcelone"), 8),
    ("IT", ("Milan", "Brescia"), 5),
    ("US", ("New York", "Washington"), 6),
    ("CI", ("Abidjan", "Bouaké"), 18),
    ("SN", ("Dakar",), 8),
    ("GA", ("Libreville",), 5),
    ("CG", ("Brazzaville",), 4),
    ("CN", ("Canton",), 3),
    ("MR", ("Nouakchott",), 3),
)
# (status, weight): about a third public (agreed and after), the rest along the workflow.
STATUS_MIX = (
    ("draft", 14),
    ("submitted", 10),
    ("under_review", 9),
    ("changes_requested", 6),
    ("in_consultation", 8),
    ("agreed", 9),
    ("in_progress", 12),
    ("completed", 8),
    ("handed_over", 4),
    ("declined", 10),
    ("withdrawn", 10),
)
AGREED_AND_AFTER = ("agreed", "in_progress", "completed", "handed_over")
CONSULTED = ("in_consultation", *AGREED_AND_AFTER)
# Commitments other than the pledges of the funding plan, (fewest, most) per project by status: with the pledges
# of agreed projects, about three per project.
OTHER_COMMITMENTS = {
    "draft": (0, 0),
    "submitted": (0, 2),
    "under_review": (1, 3),
    "changes_requested": (1, 3),
    "in_consultation": (3, 5),
    "agreed": (3, 5),
    "in_progress": (3, 5),
    "completed": (3, 5),
    "handed_over": (3, 5),
    "declined": (1, 3),
    "withdrawn": (0, 2),
}
PROJECTS_PER_MEETING = 5  # one meeting for five projects, held about a project in consultation or after
PROJECTS_PER_DISPUTE = 50  # one dispute for fifty projects, about an agreed project or after
DISPUTE_MIX = (("open", 15), ("acknowledged", 15), ("in_mediation", 25), ("resolved", 15), ("closed", 20))
DISPUTE_MIX += (("dismissed", 10),)
DISPUTE_STEPS = {
    "open": (),
    "acknowledged": ("acknowledge",),
    "in_mediation": ("acknowledge", "start_mediation"),
    "resolved": ("acknowledge", "start_mediation", "resolve"),
    "closed": ("acknowledge", "start_mediation", "resolve", "close"),
    "dismissed": ("dismiss",),
}
COMMITMENT_TEXTS = (
    ("administrative", "Délibération du conseil communal sur la part de la commune"),
    ("administrative", "Mise à disposition du terrain"),
    ("technical", "Envoi du devis signé de l’entreprise"),
    ("technical", "Visite du chantier par le service technique du cercle"),
    ("in_kind", "Main-d’œuvre des villageois pour les fouilles"),
    ("in_kind", "Fourniture du sable et du gravier"),
)
BUDGET_LABELS = ("Travaux", "Équipement", "Études et suivi")


@dataclass
class Batch:
    """The rows and audit events of one batch of projects, built before they are inserted."""

    events: list = field(default_factory=list)

    def event(self, at, action, subject_type, subject_id, **extra):
        self.events.append(
            {"at": at, "action": action, "subject_type": subject_type, "subject_id": subject_id, **extra}
        )


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment between start and end (start when end is not after it)."""
    span = (end - start).total_seconds()
    return start if span <= 0 else start + timedelta(seconds=rng.random() * span)


def _steps(rng: random.Random, start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` moments after start, in order, before end."""
    return sorted(_between(rng, start, end) for _ in range(count))


def _insert(table, rows: list[dict], with_ids: bool = False) -> list[int]:
    """Inserts rows in batches (executemany). `with_ids` gives them ids after the table's highest, in the order
    given, and returns them: this command is the only writer while it runs (SQLite's write lock; on PostgreSQL the
    sequence is moved past them)."""
    ids = []
    if with_ids and rows:
        first = db.session.scalar(select(func.coalesce(func.max(table.c.id), 0))) + 1
        ids = list(range(first, first + len(rows)))
        for row_id, row in zip(ids, rows, strict=True):
            row["id"] = row_id
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start : start + BATCH])
    if ids and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :id)"), {"table": table.name, "id": ids[-1]}
        )
    return ids


def _current_communes() -> list[tuple[int, str]]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(Commune.id, Commune.name)
            .join(MapVersion)
            .where(MapVersion.is_current.is_(True))
            .order_by(Commune.id)
        )
    ]


def _commune_organisations(communes: list[tuple[int, str]], now: datetime) -> tuple[dict[int, int], int]:
    """Every commune of the current map has its commune organisation: {commune id: organisation id}, made."""
    existing = dict(
        db.session.execute(select(Organisation.commune_id, Organisation.id).where(Organisation.kind == "commune")).all()
    )
    missing = [(commune_id, name) for commune_id, name in communes if commune_id not in existing]
    rows = [
        {"kind": "commune", "name": name, "commune_id": commune_id, "verification": Verification.VERIFIED}
        for commune_id, name in missing
    ]
    ids = _insert(Organisation.__table__, rows, with_ids=True)
    append_many(
        {
            "at": now,
            "action": "organisation.create",
            "subject_type": "organisation",
            "subject_id": organisation_id,
            "after": {"kind": "commune", "name": row["name"], "commune_id": row["commune_id"]},
        }
        for organisation_id, row in zip(ids, rows, strict=True)
    )
    existing.update((row["commune_id"], organisation_id) for organisation_id, row in zip(ids, rows, strict=True))
    return existing, len(ids)


def _bench_organisations(kind: str) -> list:
    return db.session.execute(
        select(Organisation.id, HomeCommune.commune_id)
        .outerjoin(HomeCommune, HomeCommune.association_id == Organisation.id)
        .where(Organisation.kind == kind, Organisation.name.startswith(BENCH_TAG))
        .order_by(Organisation.id)
    ).all()


def _associations(rng: random.Random, target: int, commune_ids: list[int], now: datetime, mediator_id) -> tuple:
    """The bench associations as (id, home commune id), `target` of them at least; and how many were made."""
    found = _bench_organisations("association")
    countries = [(code, cities) for code, cities, _ in COUNTRIES]
    weights = [weight for _, _, weight in COUNTRIES]
    rows, homes = [], []
    for n in range(len(found), target):
        code, cities = rng.choices(countries, weights)[0]
        rows.append(
            {
                "kind": "association",
                "name": f"{BENCH_TAG} Association des ressortissants n° {n + 1}",
                "country": code,
                "city": cities[rng.randrange(len(cities))],
                "registration_number": f"BENCH-{n + 1:06d}",
                "verification": Verification.VERIFIED,
                "verified_by_id": mediator_id,
                "verified_at": now,
                "created_at": now,
            }
        )
        homes.append(commune_ids[rng.randrange(len(commune_ids))])
    ids = _insert(Organisation.__table__, rows, with_ids=True)
    _insert(
        HomeCommune.__table__,
        [{"association_id": i, "commune_id": c, "villages": None} for i, c in zip(ids, homes, strict=True)],
    )
    events = []
    for organisation_id, row in zip(ids, rows, strict=True):
        after = {"kind": "association", "name": row["name"], "country": row["country"], "city": row["city"]}
        events.append(
            {"at": now, "action": "organisation.create", "subject_type": "organisation", "subject_id": organisation_id}
            | {"after": after}
        )
        events.append(
            {"at": now, "action": "association.verify", "subject_type": "organisation", "subject_id": organisation_id}
            | {"actor_id": mediator_id, "before": {"verification": "pending"}, "after": {"verification": "verified"}}
        )
    append_many(events)
    return [tuple(row) for row in found] + list(zip(ids, homes, strict=True)), len(ids)


def _partners(target: int, now: datetime) -> tuple[list[int], int]:
    found = [row.id for row in _bench_organisations("partner")]
    rows = [
        {
            "kind": "partner",
            "name": f"{BENCH_TAG} Partenaire technique et financier n° {n + 1}",
            "description": "Partenaire fictif, pour mesurer les pages à l’échelle nationale.",
            "verification": Verification.VERIFIED,
            "created_at": now,
        }
        for n in range(len(found), target)
    ]
    ids = _insert(Organisation.__table__, rows, with_ids=True)
    append_many(
        {
            "at": now,
            "action": "organisation.create",
            "subject_type": "organisation",
            "subject_id": organisation_id,
            "after": {"kind": "partner", "name": row["name"]},
        }
        for organisation_id, row in zip(ids, rows, strict=True)
    )
    return found + ids, len(ids)


def _indicators(rng: random.Random, commune_ids: list[int], now: datetime) -> int:
    """Entered indicators for each commune of the current map that has none yet: population over three years,
    households with a member abroad, emigrants (all, and in France by sex), returnees, remittances, associations."""
    have = set(db.session.scalars(select(IndicatorValue.commune_id).distinct()))
    rows = []
    year = now.year - 1
    for commune_id in commune_ids:
        if commune_id in have:
            continue
        population = rng.randrange(4_000, 80_000)
        emigrants = population * rng.randrange(3, 15) // 100
        in_france = emigrants * rng.randrange(20, 60) // 100
        values = [
            ("population", year - 2, "", "", population * 94 // 100),
            ("population", year - 1, "", "", population * 97 // 100),
            ("population", year, "", "", population),
            ("households_with_member_abroad", year, "", "", population // 8 * rng.randrange(20, 60) // 100),
            ("emigrants", year, "", "", emigrants),
            ("emigrants", year, "FR", "f", in_france * rng.randrange(15, 40) // 100),
            ("emigrants", year, "FR", "m", in_france),
            ("returnees", year, "", "", emigrants * rng.randrange(2, 10) // 100),
            ("remittances", year, "", "", emigrants * rng.randrange(150, 600) * 1_000),
            ("associations", year, "", "", rng.randrange(1, 12)),
        ]
        for code, value_year, country, sex, value in values:
            rows.append(
                {
                    "commune_id": commune_id,
                    "indicator": code,
                    "year": value_year,
                    "country": country,
                    "sex": sex,
                    "value": Decimal(value),
                    "unit": INDICATORS_BY_CODE[code].unit,
                    "source": INDICATOR_SOURCE,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    for n, row in enumerate(rows):  # "emigrants in France, men" was the total in France: keep the two sexes apart
        if row["sex"] == "m":
            row["value"] -= rows[n - 1]["value"]
    ids = _insert(IndicatorValue.__table__, rows, with_ids=True)
    append_many(
        {
            "at": now,
            "action": "indicator.set",
            "subject_type": "indicator_value",
            "subject_id": row_id,
            "after": {
                "commune_id": row["commune_id"],
                "indicator": row["indicator"],
                "year": row["year"],
                "country": row["country"],
                "sex": row["sex"],
                "value": f"{row['value']:.2f}",
                "unit": row["unit"],
                "source": row["source"],
            },
        }
        for row_id, row in zip(ids, rows, strict=True)
    )
    return len(ids)


class _World:
    """What every batch draws from: the communes and their organisations, the associations, the partners."""

    def __init__(self, rng, communes, commune_orgs, associations, partners, mediator_id, now):
        self.rng = rng
        self.commune_ids = [commune_id for commune_id, _ in communes]
        self.commune_names = dict(communes)
        self.commune_orgs = commune_orgs
        self.associations = associations
        self.partners = partners
        self.mediator_id = mediator_id
        self.now = now
        self.today = now.date()
        self.pledge_days = get_setting("pledge_due_days")
        self.acknowledge_days = get_setting("dispute_acknowledge_days")
        self.resolve_days = get_setting("dispute_resolve_days")
        # As `record_pledges` words them.
        self.pledge_texts = {
            kind: gettext("Pledge of the co-funding plan (%(party)s)", party=label(PARTY_KIND_LABELS, kind))
            for kind in ("association", "commune", "partner")
        }


def _project_batch(world: _World, first_number: int, size: int, made: Counter) -> None:
    """Projects first_number.. first_number + size - 1, with everything their states imply."""
    rng, now = world.rng, world.now
    statuses = [status for status, _ in STATUS_MIX]
    weights = [weight for _, weight in STATUS_MIX]
    public = {str(status) for status in PUBLIC_STATUSES}
    batch = Batch()
    plans, project_rows = [], []
    for n in range(size):
        number = first_number + n
        association_id, home = world.associations[rng.randrange(len(world.associations))]
        commune_id = home if rng.random() < 0.8 else world.commune_ids[rng.randrange(len(world.commune_ids))]
        status = rng.choices(statuses, weights)[0]
        created = now - timedelta(days=rng.randrange(60, 3650), minutes=rng.randrange(1440))
        path = [action for _, action, _ in PATHS[status]]
        times = dict(zip(path, _steps(rng, created, now - timedelta(days=2), len(path)), strict=True))
        submitted = times.get("submit")
        sector = SECTORS[rng.randrange(len(SECTORS))]
        handed_over = status == "handed_over"
        plans.append(
            {"status": status, "times": times, "created": created, "association_id": association_id}
            | {"commune_id": commune_id, "commune_org": world.commune_orgs[commune_id]}
        )
        project_rows.append(
            {
                "title": f"{BENCH_TAG} Projet {number} ({sector})",
                "search_title": search_key(f"{BENCH_TAG} Projet {number} ({sector})"),
                "summary": f"Projet de référence n° {number} pour mesurer les pages à l’échelle nationale.",
                "sector": sector,
                "commune_id": commune_id,
                "village": None,
                "association_id": association_id,
                "pdsec_period": "2024-2028",
                "pdsec_line": None,
                "sdg_tags": [],
                "status": status,
                "is_public": status in public,
                "first_submitted_at": submitted,
                "submitted_at": submitted,
                "escalated_at": None,
                "owner_organisation_id": world.commune_orgs[commune_id] if handed_over else None,
                "maintenance_plan": "Le comité des usagers entretient l’ouvrage ; la mairie paie les grosses réparations."
                if handed_over
                else None,
                "created_by_id": None,
                "created_at": created,
                "updated_at": max(times.values(), default=created),
                "version": 1 + len(path),
            }
        )
    project_ids = _insert(Project.__table__, project_rows, with_ids=True)
    made["projects"] += len(project_ids)

    budget_rows, funding_rows = [], []
    for project_id, plan in zip(project_ids, plans, strict=True):
        plan["id"] = project_id
        budget = [rng.randrange(1_000, 30_000) * 1_000 for _ in range(rng.choice((1, 1, 2, 3)))]
        total = sum(budget)
        covered = total if plan["status"] in AGREED_AND_AFTER else total * rng.randrange(50, 101) // 100
        parties = [("association", plan["association_id"])]
        if rng.random() < 0.6:
            parties.append(("commune", plan["commune_org"]))
        if rng.random() < 0.15:
            parties.append(("partner", world.partners[rng.randrange(len(world.partners))]))
        if rng.random() < 0.2:
            parties.append(("population", None))
        shares = [rng.randrange(1, 10) for _ in parties]
        amounts = [covered * share // sum(shares) for share in shares]
        amounts[0] += covered - sum(amounts)  # the association covers the rounding
        plan["budget"] = budget
        plan["funding"] = []
        for position, amount in enumerate(budget):
            budget_rows.append(_money_row(project_id, position, amount) | {"label": BUDGET_LABELS[position]})
        for position, ((kind, organisation_id), amount) in enumerate(zip(parties, amounts, strict=True)):
            if amount <= 0:
                continue
            confirmed = kind == "partner" and "submit" in plan["times"] and rng.random() < 0.9
            row = _money_row(project_id, position, amount) | {"party_kind": kind, "organisation_id": organisation_id}
            row |= {"confirmed_at": plan["times"]["submit"] + timedelta(days=3) if confirmed else None}
            row["confirmed_by_id"] = None
            funding_rows.append(row)
            plan["funding"].append(row)
    _insert(BudgetLine.__table__, budget_rows)
    funding_ids = _insert(FundingLine.__table__, funding_rows, with_ids=True)
    for line_id, row in zip(funding_ids, funding_rows, strict=True):
        row["id"] = line_id
    made["budget_lines"] += len(budget_rows)
    made["funding_lines"] += len(funding_rows)

    for plan, row in zip(plans, project_rows, strict=True):
        _project_history(batch, plan, row)
    meetings = _meetings(world, plans, batch, made)
    commitments = _commitments(world, plans, meetings, batch, made)
    _disputes(world, plans, commitments, batch, made)
    _after_agreement(world, plans, batch, made)
    batch.events.sort(key=lambda event: event["at"])
    made["audit_events"] += append_many(batch.events)


def _money_row(project_id: int, position: int, amount: int) -> dict:
    return {
        "project_id": project_id,
        "position": position,
        "amount": Decimal(amount),
        "currency": "XOF",
        "rate_to_xof": Decimal(1),
        "amount_xof": amount,
    }


COMMENTS = {
    "request_changes": "Le plan de financement ne couvre pas le budget : précisez l’apport de chacun.",
    "decline": "Le projet double un financement déjà acquis par la commune.",
}


def _project_history(batch: Batch, plan: dict, row: dict) -> None:
    """project.create, then each step of its path, as `create_project` and `transition` record them."""
    after = {
        "title": row["title"],
        "sector": row["sector"],
        "commune_id": row["commune_id"],
        "village": None,
        "budget_total_xof": sum(plan["budget"]),
        "funding_total_xof": sum(line["amount_xof"] for line in plan["funding"]),
        "budget_lines": [[BUDGET_LABELS[i], f"{amount}.00", "XOF"] for i, amount in enumerate(plan["budget"])],
        "funding_lines": [
            [line["party_kind"], line["organisation_id"], f"{line['amount_xof']}.00", "XOF"] for line in plan["funding"]
        ],
    }
    batch.event(plan["created"], "project.create", "project", plan["id"], after=after)
    status = "draft"
    for _, action, _ in PATHS[plan["status"]]:
        target = _TARGETS[action]
        batch.event(
            plan["times"][action],
            f"project.{action}",
            "project",
            plan["id"],
            before={"status": status},
            after={"status": target},
            comment=COMMENTS.get(action),
        )
        status = target
    for line in plan["funding"]:
        if line["confirmed_at"] is not None:
            batch.event(
                line["confirmed_at"],
                "project.funding_confirm",
                "project",
                plan["id"],
                after={"funding_line_id": line["id"], "organisation_id": line["organisation_id"]},
            )


_TARGETS = {
    "submit": "submitted",
    "start_review": "under_review",
    "request_changes": "changes_requested",
    "open_consultation": "in_consultation",
    "agree": "agreed",
    "decline": "declined",
    "withdraw": "withdrawn",
    "start_implementation": "in_progress",
    "complete": "completed",
    "hand_over": "handed_over",
}


def _some(rng: random.Random, plans: list[dict], statuses, per: int) -> list[dict]:
    """One plan for `per` plans of the batch, drawn among those in `statuses`, in the batch's order."""
    candidates = [n for n, plan in enumerate(plans) if plan["status"] in statuses]
    drawn = sorted(rng.sample(candidates, min(len(candidates), round(len(plans) / per))))
    return [plans[n] for n in drawn]


def _meetings(world: _World, plans: list[dict], batch: Batch, made: Counter) -> dict[int, dict]:
    """A past consultation meeting, with its minutes approved, for one project in five (among those consulted):
    {project id: the meeting's row}. A few of those in consultation meet next month instead."""
    rng, now = world.rng, world.now
    chosen, rows = [], []
    for plan in _some(rng, plans, CONSULTED, PROJECTS_PER_MEETING):
        opened = plan["times"]["open_consultation"]
        upcoming = plan["status"] == "in_consultation" and rng.random() < 0.2
        if upcoming:
            starts = (now + timedelta(days=rng.randrange(3, 40))).replace(minute=0, second=0, microsecond=0)
        else:
            until = plan["times"].get("agree", now - timedelta(days=1))
            starts = _between(rng, opened, until - timedelta(hours=6)).replace(minute=0, second=0, microsecond=0)
        commune = world.commune_names[plan["commune_id"]]
        rows.append(
            {
                "uid": f"bench-meeting-{plan['id']}@portail-communes-diaspora",
                "title": f"{BENCH_TAG} Concertation sur le projet n° {plan['id']}",
                "commune_id": plan["commune_id"],
                "organiser_id": plan["commune_org"],
                "starts_at": starts,
                "timezone": "Africa/Bamako",
                "duration_minutes": 120,
                "location": f"Salle du conseil communal de {commune}",
                "online_url": None,
                "reminder_hours": 48,
                "reminded_at": None if upcoming else starts - timedelta(hours=48),
                "status": "scheduled" if upcoming else "held",  # past ones have their minutes
                "sequence": 0,
                "minutes_summary": None
                if upcoming
                else "Le conseil et l’association ont examiné le budget, le plan de financement et le calendrier.",
                "minutes_decisions": None
                if upcoming
                else ["Visite du site avec le service technique.", "Le conseil délibère sur sa part."],
                "minutes_people": None if upcoming else "Le maire, deux conseillers, le bureau de l’association.",
                "minutes_posted_at": None if upcoming else starts + timedelta(hours=4),
                "minutes_posted_by_id": None,
                "created_by_id": None,
                "created_at": _between(rng, opened, min(starts, now) - timedelta(hours=1)),
                "updated_at": starts if upcoming else starts + timedelta(hours=4),
                "version": 1 if upcoming else 2,
            }
        )
        chosen.append(plan)
    ids = _insert(Meeting.__table__, rows, with_ids=True)
    agenda, invitees, attendees, by_project = [], [], [], {}
    for meeting_id, row, plan in zip(ids, rows, chosen, strict=True):
        row["id"] = meeting_id
        by_project[plan["id"]] = row
        invited = [plan["association_id"]] + [
            line["organisation_id"] for line in plan["funding"] if line["party_kind"] == "partner"
        ]
        agenda.append({"meeting_id": meeting_id, "project_id": plan["id"], "position": 0})
        snapshot = {
            "title": row["title"],
            "starts_at": row["starts_at"].astimezone(UTC).isoformat(),
            "timezone": row["timezone"],
            "duration_minutes": row["duration_minutes"],
            "location": row["location"],
            "online_url": None,
            "reminder_hours": 48,
            "sequence": 0,
            "status": "scheduled",
        }
        after = snapshot | {"project_ids": [plan["id"]], "invitees": invited}
        batch.event(row["created_at"], "meeting.schedule", "meeting", meeting_id, after=after)
        posted = row["minutes_posted_at"]
        answered = _between(rng, row["created_at"], min(row["starts_at"], now))
        for organisation_id in invited:
            rsvp = "yes" if organisation_id == plan["association_id"] else rng.choice(("yes", "maybe", None))
            invitees.append(
                {"meeting_id": meeting_id, "organisation_id": organisation_id, "rsvp": rsvp}
                | {"rsvp_at": answered if rsvp else None, "rsvp_by_id": None}
            )
            if rsvp:
                before = {"organisation_id": organisation_id, "rsvp": None}
                after = {"organisation_id": organisation_id, "rsvp": rsvp}
                batch.event(answered, "meeting.rsvp", "meeting", meeting_id, before=before, after=after)
        if posted is None:
            continue
        attending = [plan["association_id"]]
        batch.event(
            posted,
            "meeting.minutes",
            "meeting",
            meeting_id,
            after={
                "summary": row["minutes_summary"],
                "decisions": row["minutes_decisions"],
                "attendees": attending,
                "people": row["minutes_people"],
            },
        )
        approved = rng.random() < 0.85
        answered_at = posted + timedelta(hours=rng.randrange(2, 72))
        comment = None if approved else "La date de la visite du site est à corriger : le 14, pas le 12."
        attendees.append(
            {"meeting_id": meeting_id, "organisation_id": plan["association_id"]}
            | {"answer": "approved" if approved else "commented", "comment": comment}
            | {"answered_at": answered_at, "answered_by_id": None}
        )
        answer = "approved" if approved else "commented"
        batch.event(
            answered_at,
            f"meeting.minutes_{answer}",
            "meeting",
            meeting_id,
            after={"organisation_id": plan["association_id"], "answer": answer},
            comment=comment,
        )
    _insert(MeetingProject.__table__, agenda)
    _insert(MeetingInvitee.__table__, invitees)
    _insert(MeetingAttendee.__table__, attendees)
    made["meetings"] += len(ids)
    return by_project


def _commitment_path(rng: random.Random, status: str, pledge: bool) -> list[str]:
    """The actions a commitment of a project in `status` has been through: open, fulfilled, confirmed, contested
    or cancelled (an open one past its due date reads overdue)."""
    if status in ("submitted", "under_review", "changes_requested", "in_consultation"):
        paths, weights = ([], ["report_fulfilled"], ["report_fulfilled", "confirm"], ["cancel"]), (55, 20, 20, 5)
    elif status in ("declined", "withdrawn"):
        paths, weights = ([], ["report_fulfilled", "confirm"], ["cancel"]), (10, 30, 60)
    elif status == "agreed":
        paths, weights = (
            ([], ["report_fulfilled"], ["report_fulfilled", "confirm"], ["report_fulfilled", "contest"]),
            (
                50,
                15,
                30,
                5,
            ),
        )
    elif status == "in_progress":
        paths = ([], ["report_fulfilled"], ["report_fulfilled", "confirm"], ["report_fulfilled", "contest"], ["cancel"])
        weights = (25, 15, 45, 10, 5)
    else:  # completed, handed over: nearly all kept
        paths, weights = ([], ["report_fulfilled", "confirm"], ["report_fulfilled", "contest"]), (4, 90, 6)
    path = rng.choices(paths, weights)[0]
    if pledge and path == ["cancel"]:
        path = []
    return path


def _commitments(world: _World, plans: list[dict], meetings: dict, batch: Batch, made: Counter) -> dict[int, list]:
    """The pledges of agreed projects' funding lines and the other promises parties made, with their steps:
    {project id: [(commitment id, status)]}."""
    rng, now = world.rng, world.now
    rows, paths = [], []
    for plan in plans:
        times = plan["times"]
        if "submit" not in times:
            continue
        meeting = meetings.get(plan["id"])
        agreed = times.get("agree")
        if agreed is not None:
            for line in plan["funding"]:
                if line["organisation_id"] is None:
                    continue
                due = agreed.date() + timedelta(days=world.pledge_days)
                rows.append(
                    {
                        "project_id": plan["id"],
                        "organisation_id": line["organisation_id"],
                        "kind": "financial",
                        "description": world.pledge_texts[line["party_kind"]],
                        "amount": line["amount"],
                        "currency": "XOF",
                        "rate_to_xof": Decimal(1),
                        "amount_xof": line["amount_xof"],
                        "due_date": due,
                        "meeting_id": None,
                        "funding_line_id": line["id"],
                        "created_at": agreed,
                    }
                )
                paths.append((plan, _commitment_path(rng, plan["status"], True)))
        low, high = OTHER_COMMITMENTS[plan["status"]]
        for _ in range(rng.randint(low, high)):
            kind, description = COMMITMENT_TEXTS[rng.randrange(len(COMMITMENT_TEXTS))]
            at_meeting = meeting is not None and meeting["minutes_posted_at"] is not None and rng.random() < 0.7
            recorded = (
                meeting["minutes_posted_at"] if at_meeting else _between(rng, times["submit"], now - timedelta(days=1))
            )
            promising = plan["commune_org"] if rng.random() < 0.5 else plan["association_id"]
            rows.append(
                {
                    "project_id": plan["id"],
                    "organisation_id": promising,
                    "kind": kind,
                    "description": description,
                    "amount": None,
                    "currency": None,
                    "rate_to_xof": None,
                    "amount_xof": None,
                    "due_date": recorded.date() + timedelta(days=rng.randrange(10, 120)),
                    "meeting_id": meeting["id"] if at_meeting else None,
                    "funding_line_id": None,
                    "created_at": recorded,
                }
            )
            paths.append((plan, _commitment_path(rng, plan["status"], False)))
    status_of = {
        (): "open",
        ("report_fulfilled",): "fulfilled",
        ("report_fulfilled", "confirm"): "confirmed",
        ("report_fulfilled", "contest"): "contested",
        ("cancel",): "cancelled",
    }
    step_times = []
    for row, (plan, path) in zip(rows, paths, strict=True):
        end = plan["times"].get("complete", now - timedelta(hours=1))
        times = _steps(rng, row["created_at"], end, len(path))
        step_times.append(times)
        status = status_of[tuple(path)]
        changed = times[-1] if times else row["created_at"]
        due = row["due_date"]
        overdue = status == "open" and due < world.today
        row |= {
            "status": status,
            "recorded_by_id": None,
            "status_changed_at": changed,
            "due_reminder_sent_at": _at(due - timedelta(days=7)) if due <= world.today else None,
            "overdue_reminder_sent_at": _at(due + timedelta(days=1)) if overdue else None,
            "escalated_at": _at(due + timedelta(days=30))
            if overdue and due + timedelta(days=30) < world.today
            else None,
            "updated_at": changed,
            "version": 1 + len(path),
        }
    ids = _insert(Commitment.__table__, rows, with_ids=True)
    made["commitments"] += len(ids)
    by_project: dict[int, list] = {}
    for commitment_id, row, (plan, path), times in zip(ids, rows, paths, step_times, strict=True):
        by_project.setdefault(plan["id"], []).append((commitment_id, row))
        batch.event(
            row["created_at"],
            "commitment.record",
            "commitment",
            commitment_id,
            after={
                "project_id": row["project_id"],
                "organisation_id": row["organisation_id"],
                "kind": row["kind"],
                "amount": f"{row['amount']}.00" if row["amount"] is not None else None,
                "currency": row["currency"],
                "due_date": row["due_date"].isoformat(),
                "funding_line_id": row["funding_line_id"],
            },
        )
        status = "open"
        for action, at in zip(path, times, strict=True):
            target = {"report_fulfilled": "fulfilled", "confirm": "confirmed", "contest": "contested"}.get(
                action, "cancelled"
            )
            comment = {
                "contest": "La preuve fournie ne correspond pas à ce qui était promis.",
                "cancel": "Remplacé par une autre démarche convenue en réunion.",
            }.get(action)
            batch.event(
                at,
                f"commitment.{action}",
                "commitment",
                commitment_id,
                actor_id=world.mediator_id if action == "cancel" else None,
                before={"status": status},
                after={"status": target, "project_id": row["project_id"]},
                comment=comment,
            )
            status = target
        if row["escalated_at"] is not None:
            after = {"status": "open", "due_date": row["due_date"].isoformat()}
            batch.event(row["escalated_at"], "commitment.escalate", "commitment", commitment_id, after=after)
    return by_project


def _at(day) -> datetime:
    """Nine o'clock UTC on that day."""
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


DISPUTE_TEXTS = (
    ("Versement de la part communale en retard", "La part de la commune devait être votée au budget de l’année."),
    ("Tranche contestée", "Nous avons viré la tranche ; la mairie dit ne pas l’avoir reçue."),
    ("Emplacement de l’ouvrage changé", "L’emplacement a été changé sans délibération du conseil."),
    ("Entretien de l’ouvrage", "Le comité de gestion ne collecte plus les cotisations ; l’ouvrage est à l’arrêt."),
)


def _disputes(world: _World, plans: list[dict], commitments: dict, batch: Batch, made: Counter) -> None:
    """One dispute for fifty projects (among those agreed and after), in every status, with a few messages."""
    rng, now, mediator = world.rng, world.now, world.mediator_id
    statuses = [status for status, _ in DISPUTE_MIX]
    weights = [weight for _, weight in DISPUTE_MIX]
    rows, chosen = [], []
    for plan in _some(rng, plans, AGREED_AND_AFTER, PROJECTS_PER_DISPUTE):
        status = rng.choices(statuses, weights)[0]
        contested = [
            (commitment_id, row)
            for commitment_id, row in commitments.get(plan["id"], [])
            if row["status"] == "contested" and row["organisation_id"] in (plan["association_id"], plan["commune_org"])
        ]
        commitment_id, commitment = contested[0] if contested else (None, None)
        if commitment is not None:  # the promising side says it kept its word
            claimant = commitment["organisation_id"]
        else:
            claimant = plan["association_id"] if rng.random() < 0.7 else plan["commune_org"]
        respondent = plan["commune_org"] if claimant == plan["association_id"] else plan["association_id"]
        steps = DISPUTE_STEPS[status]
        opened = _between(rng, plan["times"]["agree"], now - timedelta(days=len(steps) * 5 + 1))
        times = _steps(rng, opened, now - timedelta(hours=1), len(steps))
        step_at = dict(zip(steps, times, strict=True))
        subject, description = DISPUTE_TEXTS[rng.randrange(len(DISPUTE_TEXTS))]
        acknowledge_due = opened + timedelta(days=world.acknowledge_days)
        resolution_due = opened + timedelta(days=world.resolve_days)
        pending = status in ("open", "acknowledged", "in_mediation")
        rows.append(
            {
                "project_id": plan["id"],
                "commitment_id": commitment_id,
                "claimant_id": claimant,
                "respondent_id": respondent,
                "subject": f"{BENCH_TAG} {subject}",
                "description": description,
                "status": status,
                "mediator_id": mediator if "start_mediation" in steps else None,
                "opened_by_id": None,
                "acknowledge_due_at": acknowledge_due,
                "resolution_due_at": resolution_due,
                "acknowledged_at": step_at.get("acknowledge"),
                "resolved_at": step_at.get("resolve"),
                "closed_at": step_at.get("close"),
                "appealed_at": None,
                "settlement": "La commune verse sa part avant la fin du trimestre ; l’association avance l’équipement."
                if "resolve" in steps
                else None,
                "dismissal_reason": "Le changement a été délibéré : la délibération est jointe au projet."
                if status == "dismissed"
                else None,
                "acknowledge_reminded_at": acknowledge_due if status == "open" and acknowledge_due < now else None,
                "resolution_reminded_at": resolution_due if pending and resolution_due < now else None,
                "status_changed_at": times[-1] if times else opened,
                "created_at": opened,
                "updated_at": times[-1] if times else opened,
                "version": 1 + len(steps),
            }
        )
        chosen.append((plan, step_at))
    ids = _insert(Dispute.__table__, rows, with_ids=True)
    made["disputes"] += len(ids)
    messages, message_events = [], []
    for dispute_id, row, (_plan, step_at) in zip(ids, rows, chosen, strict=True):
        opened = row["created_at"]
        batch.event(
            opened,
            "dispute.open",
            "dispute",
            dispute_id,
            after={
                "status": "open",
                "project_id": row["project_id"],
                "commitment_id": row["commitment_id"],
                "claimant_id": row["claimant_id"],
                "respondent_id": row["respondent_id"],
                "subject": row["subject"],
                "acknowledge_due_at": row["acknowledge_due_at"].isoformat(),
                "resolution_due_at": row["resolution_due_at"].isoformat(),
            },
            comment=row["description"],
        )
        status, mediator_now = "open", None
        for action, at in step_at.items():
            target = {"acknowledge": "acknowledged", "start_mediation": "in_mediation", "resolve": "resolved"}.get(
                action, {"close": "closed", "dismiss": "dismissed"}.get(action)
            )
            before = {"status": status, "mediator_id": mediator_now}
            mediator_now = row["mediator_id"] if action == "start_mediation" else mediator_now
            comment = (
                row["settlement"] if action == "resolve" else row["dismissal_reason"] if action == "dismiss" else None
            )
            after = {"status": target, "mediator_id": mediator_now}
            batch.event(
                at,
                f"dispute.{action}",
                "dispute",
                dispute_id,
                actor_id=mediator,
                before=before,
                after=after,
                comment=comment,
            )
            status = target
        # A few messages while it was open to them: the claimant, the respondent, a mediator's note.
        last = row["closed_at"] or (step_at.get("dismiss")) or now - timedelta(minutes=5)
        writers = [
            (row["claimant_id"], None, False, "Nous joignons l’avis de virement et demandons une vérification."),
            (row["respondent_id"], None, False, "La perception n’a rien reçu à ce jour ; nous attendons le relevé."),
            (None, mediator, True, "Demander la preuve de réception à la banque."),
        ]
        for (organisation_id, author_id, private, body), at in zip(
            writers[: rng.randint(1, 3)], _steps(rng, opened, last, 3), strict=False
        ):
            messages.append(
                {"dispute_id": dispute_id, "author_id": author_id, "organisation_id": organisation_id}
                | {"private": private, "body": body, "created_at": at}
            )
            message_events.append((dispute_id, author_id, private, body, at))
    message_ids = _insert(DisputeMessage.__table__, messages, with_ids=True)
    made["dispute_messages"] += len(message_ids)
    for message_id, (dispute_id, author_id, private, body, at) in zip(message_ids, message_events, strict=True):
        action = "dispute.note" if private else "dispute.message"
        batch.event(
            at, action, "dispute", dispute_id, actor_id=author_id, after={"message_id": message_id}, comment=body
        )


def _after_agreement(world: _World, plans: list[dict], batch: Batch, made: Counter) -> None:
    """Tranches paid on the funding lines of agreed projects (in full once completed), progress reports due,
    and a facility with its yearly checks for each project handed over."""
    rng, now = world.rng, world.now
    contributions, reporting, facilities, checks = [], [], [], []
    for plan in plans:
        agreed = plan["times"].get("agree")
        if agreed is None:
            continue
        reporting.append(
            {
                "project_id": plan["id"],
                "period_months": 3,
                "next_due_on": world.today + timedelta(days=rng.randrange(5, 90)),
                "reminded_at": None,
                "flagged_at": None,
            }
        )
        finished = plan["status"] in ("completed", "handed_over")
        until = plan["times"].get("complete", now - timedelta(days=1))
        for line in plan["funding"]:
            if plan["status"] == "agreed" and rng.random() < 0.5:
                continue
            share = 100 if finished else rng.randrange(30, 101)
            to_pay = line["amount_xof"] * share // 100
            tranches = [to_pay] if rng.random() < 0.5 or to_pay < 2 else [to_pay // 2, to_pay - to_pay // 2]
            for amount, paid in zip(tranches, _steps(rng, agreed, until, len(tranches)), strict=True):
                if amount <= 0:
                    continue
                roll = rng.random()
                status = "confirmed" if finished or roll < 0.75 else "reported" if roll < 0.93 else "contested"
                changed = paid + timedelta(days=rng.randrange(1, 10)) if status != "reported" else paid
                contributions.append(
                    {
                        "project_id": plan["id"],
                        "funding_line_id": line["id"],
                        "paid_on": paid.date(),
                        "amount": Decimal(amount),
                        "currency": "XOF",
                        "rate_to_xof": Decimal(1),
                        "amount_xof": amount,
                        "reference": f"VIR-BENCH-{line['id']}-{len(contributions)}",
                        "status": status,
                        "proof_id": None,
                        "reported_by_id": None,
                        "status_changed_at": min(changed, now),
                        "created_at": paid,
                        "updated_at": min(changed, now),
                        "version": 1 if status == "reported" else 2,
                    }
                )
        if plan["status"] == "handed_over":
            handed = plan["times"]["hand_over"]
            count = rng.choice((0, 1, 1, 2))
            when = _steps(rng, handed, now - timedelta(hours=1), count)
            conditions = [rng.choices(("working", "partly", "not_working"), (70, 20, 10))[0] for _ in when]
            facilities.append(
                {
                    "project_id": plan["id"],
                    "commune_id": plan["commune_id"],
                    "handed_over_at": handed,
                    "condition": conditions[-1] if conditions else "unknown",
                    "condition_checked_at": when[-1] if when else None,
                    "check_reminded_at": now if not when else None,
                }
            )
            before = "unknown"
            for condition, at in zip(conditions, when, strict=True):
                checks.append(
                    {"project_id": plan["id"], "condition": condition, "remark": "Vu lors de la visite annuelle."}
                    | {"photo_id": None, "recorded_by_id": None, "checked_at": at, "before": before}
                )
                before = condition
    contribution_ids = _insert(Contribution.__table__, contributions, with_ids=True)
    for contribution_id, row in zip(contribution_ids, contributions, strict=True):
        batch.event(
            row["created_at"],
            "contribution.report",
            "project",
            row["project_id"],
            after={
                "contribution_id": contribution_id,
                "funding_line_id": row["funding_line_id"],
                "paid_on": row["paid_on"].isoformat(),
                "amount": f"{row['amount']}.00",
                "currency": "XOF",
                "amount_xof": row["amount_xof"],
            },
        )
        if row["status"] != "reported":
            action = "confirm" if row["status"] == "confirmed" else "contest"
            batch.event(
                row["status_changed_at"],
                f"contribution.{action}",
                "project",
                row["project_id"],
                before={"status": "reported"},
                after={"status": row["status"], "contribution_id": contribution_id},
                comment="Le montant reçu ne correspond pas à l’avis de virement." if action == "contest" else None,
            )
    _insert(ProjectReporting.__table__, reporting)
    _insert(Facility.__table__, facilities)
    befores = [row.pop("before") for row in checks]
    check_ids = _insert(FacilityCheck.__table__, checks, with_ids=True)
    for check_id, row, before in zip(check_ids, checks, befores, strict=True):
        batch.event(
            row["checked_at"],
            "facility.check",
            "project",
            row["project_id"],
            before={"condition": before},
            after={"condition": row["condition"], "check_id": check_id},
            comment=row["remark"],
        )
    made["contributions"] += len(contribution_ids)
    made["facilities"] += len(facilities)
    made["facility_checks"] += len(check_ids)


def _mediator_id() -> int | None:
    """The demo's mediator (seed-demo made them): the one who verifies, mediates and cancels."""
    return db.session.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.role == "mediator")
        .order_by(User.id)
        .limit(1)
    )


def seed_bench(
    count: int,
    seed: int = 1,
    say: Callable[[str], object] = lambda text: None,
    progress_bar: Callable[[int], contextlib.AbstractContextManager] | None = None,
) -> Counter:
    """Adds projects tagged "[bench]" until there are `count` of them, with the record they imply; returns what
    it added by kind. `say` is told each stage done; `progress_bar(length)` gives the bar (click.progressbar)
    updated as the projects go in."""
    seed_demo()
    made: Counter = Counter()
    have = db.session.scalar(select(func.count()).select_from(Project).where(Project.title.startswith(BENCH_TAG)))
    if have >= count:
        return made
    rng = random.Random(seed + have)
    now = utcnow()
    mediator_id = _mediator_id()
    communes = _current_communes()
    commune_ids = [commune_id for commune_id, _ in communes]
    commune_orgs, made["commune_organisations"] = _commune_organisations(communes, now)
    made["indicator_values"] = _indicators(rng, commune_ids, now)
    say(
        f"{len(communes)} communes, each with its commune organisation ({made['commune_organisations']} made) "
        f"and indicators ({made['indicator_values']} values made)"
    )
    associations, made["associations"] = _associations(
        rng, max(1, count // ASSOCIATIONS_PER_PROJECT), commune_ids, now, mediator_id
    )
    partners, made["partners"] = _partners(max(2, count // PROJECTS_PER_PARTNER), now)
    say(f"{len(associations)} associations ({made['associations']} made), {len(partners)} partners")
    world = _World(rng, communes, commune_orgs, associations, partners, mediator_id, now)
    done = 0
    bar = (
        progress_bar(count - have)
        if progress_bar
        else contextlib.nullcontext(SimpleNamespace(update=lambda size: None))
    )
    with bar as projects_bar:
        while have + done < count:
            size = min(BATCH, count - have - done)
            _project_batch(world, have + done + 1, size, made)
            done += size
            projects_bar.update(size)
    return made


STAGES = (
    "projects",
    "budget_lines",
    "funding_lines",
    "commitments",
    "meetings",
    "disputes",
    "dispute_messages",
    "contributions",
    "facilities",
    "facility_checks",
    "audit_events",
)


@click.command("seed-bench")
@click.option("--projects", "count", type=click.IntRange(min=1), default=50_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="The random seed: the same seed, the same data.")
def seed_bench_command(count, seed):
    """Load the demo data, then projects tagged "[bench]" until there are PROJECTS of them, with their
    associations, commitments, meetings, disputes, tranches, facilities and audit events. Refused in production."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-bench refuses to run in production: it loads made-up projects.")
    started = time.perf_counter()

    def say(message: str) -> None:
        click.echo(f"[{time.perf_counter() - started:6.1f} s] {message}")

    def progress_bar(length: int):
        return click.progressbar(length=length, label="Projects and their record", show_pos=True, show_eta=True)

    made = seed_bench(count, seed, say=say, progress_bar=progress_bar)
    if not made:
        click.echo(f"{count} bench projects already there: nothing to do.")
        return
    say(", ".join(f"{made[kind]} {kind.replace('_', ' ')}" for kind in STAGES))
    db.session.commit()
    say("committed")
    if db.engine.dialect.name == "postgresql":  # as autovacuum would soon: plans for the real sizes
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    say(f"Added {made['projects']} bench projects and their record; statistics refreshed.")

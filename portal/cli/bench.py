"""`flask seed-bench`: national-scale data for the benchmark (tests/bench.py). Refused in production."""

import random
import time
from datetime import timedelta
from decimal import Decimal

import click
from flask import current_app
from sqlalchemy import func, insert, select

from portal.cli.demo import seed_demo
from portal.database import utcnow
from portal.extensions import db
from portal.models import BudgetLine, Commune, FundingLine, HomeCommune, MapVersion, Organisation, Project, Verification
from portal.models.projects import PUBLIC_STATUSES, SECTORS

BENCH_TAG = "[bench]"
ASSOCIATIONS = 300
BATCH = 5000
COUNTRIES = (("FR", "Paris"), ("FR", "Montreuil"), ("ES", "Madrid"), ("CI", "Abidjan"), ("US", "New York"))
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


def _associations(commune_ids: list[int]) -> list[tuple[int, int]]:
    """The bench associations as (id, home commune id): made once, found again on later runs."""

    def existing():
        return db.session.execute(
            select(Organisation.id, HomeCommune.commune_id)
            .join(HomeCommune, HomeCommune.association_id == Organisation.id)
            .where(Organisation.kind == "association", Organisation.name.startswith(BENCH_TAG))
            .order_by(Organisation.id)
        ).all()

    found = existing()
    if found:
        return [tuple(row) for row in found]
    homes = [commune_ids[(n * 7) % len(commune_ids)] for n in range(ASSOCIATIONS)]
    rows = []
    for n in range(ASSOCIATIONS):
        country, city = COUNTRIES[n % len(COUNTRIES)]
        rows.append(
            {
                "kind": "association",
                "name": f"{BENCH_TAG} Association des ressortissants n° {n + 1}",
                "country": country,
                "city": city,
                "verification": Verification.VERIFIED,
            }
        )
    ids = db.session.scalars(
        insert(Organisation.__table__).returning(Organisation.__table__.c.id, sort_by_parameter_order=True), rows
    ).all()
    db.session.execute(
        insert(HomeCommune.__table__),
        [{"association_id": i, "commune_id": c, "villages": None} for i, c in zip(ids, homes, strict=True)],
    )
    return [tuple(row) for row in existing()]


def seed_bench(count: int, seed: int = 1) -> int:
    """Adds projects tagged "[bench]" until there are `count` of them; returns how many it added."""
    seed_demo()
    have = db.session.scalar(select(func.count()).select_from(Project).where(Project.title.startswith(BENCH_TAG)))
    if have >= count:
        return 0
    rng = random.Random(seed + have)
    commune_ids = db.session.scalars(
        select(Commune.id).join(MapVersion).where(MapVersion.is_current.is_(True)).order_by(Commune.id)
    ).all()
    associations = _associations(commune_ids)
    statuses = [status for status, _ in STATUS_MIX]
    weights = [weight for _, weight in STATUS_MIX]
    public = {str(status) for status in PUBLIC_STATUSES}
    now = utcnow()
    projects, budgets, fundings = Project.__table__, BudgetLine.__table__, FundingLine.__table__
    made = 0
    while have + made < count:
        size = min(BATCH, count - have - made)
        rows = []
        for n in range(size):
            number = have + made + n + 1
            association_id, home = associations[rng.randrange(len(associations))]
            commune_id = home if rng.random() < 0.8 else commune_ids[rng.randrange(len(commune_ids))]
            status = rng.choices(statuses, weights)[0]
            created = now - timedelta(days=rng.randrange(1, 3650), minutes=rng.randrange(1440))
            submitted = None if status == "draft" else created + timedelta(days=rng.randrange(1, 30))
            sector = SECTORS[rng.randrange(len(SECTORS))]
            rows.append(
                {
                    "title": f"{BENCH_TAG} Projet {number} ({sector})",
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
                    "owner_organisation_id": None,
                    "maintenance_plan": None,
                    "created_by_id": None,
                    "created_at": created,
                    "updated_at": submitted or created,
                    "version": 1,
                }
            )
        ids = db.session.scalars(insert(projects).returning(projects.c.id, sort_by_parameter_order=True), rows).all()
        budget_rows, funding_rows = [], []
        for project_id, row in zip(ids, rows, strict=True):
            amount = rng.randrange(1_000, 50_000) * 1_000
            budget_rows.append(
                {
                    "project_id": project_id,
                    "position": 0,
                    "label": "Travaux",
                    "amount": Decimal(amount),
                    "currency": "XOF",
                    "rate_to_xof": Decimal(1),
                    "amount_xof": amount,
                }
            )
            funded = amount * rng.randrange(50, 101) // 100
            funding_rows.append(
                {
                    "project_id": project_id,
                    "position": 0,
                    "party_kind": "association",
                    "organisation_id": row["association_id"],
                    "amount": Decimal(funded),
                    "currency": "XOF",
                    "rate_to_xof": Decimal(1),
                    "amount_xof": funded,
                }
            )
        db.session.execute(insert(budgets), budget_rows)
        db.session.execute(insert(fundings), funding_rows)
        made += size
    return made


@click.command("seed-bench")
@click.option("--projects", "count", type=click.IntRange(min=1), default=50_000, show_default=True)
def seed_bench_command(count):
    """Load the demo data, then projects tagged "[bench]" until there are PROJECTS of them. Refused in production."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-bench refuses to run in production: it loads made-up projects.")
    started = time.perf_counter()
    made = seed_bench(count)
    db.session.commit()
    if made and db.engine.dialect.name == "postgresql":  # as autovacuum would soon: plans for the real sizes
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    if made == 0:
        click.echo(f"{count} bench projects already there: nothing to do.")
    else:
        click.echo(f"Added {made} bench projects in {time.perf_counter() - started:.1f} s.")

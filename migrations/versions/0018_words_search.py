"""words and search: project titles folded for search; commune organisations under the commune's usual name

Revision ID: 0018_words_search
Revises: 0017_audit_personal_data
Create Date: 2026-12-08 01:45:00

- projects.search_title: the title in lower case without accents, so "ecole" finds "École" on SQLite and
  PostgreSQL alike (the rule is portal/search.py; frozen here as it is at this revision), backfilled.
- A commune's organisation created under the official data's spelling ("Diema") takes the usual one ("Diéma",
  portal/data/usual_names.csv), as pages name the commune. A name someone chose is left alone.
"""

import csv
import unicodedata
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0018_words_search"
down_revision = "0018_meeting_status"
branch_labels = None
depends_on = None

BATCH = 5000
USUAL_NAMES_FILE = Path(__file__).resolve().parents[2] / "portal" / "data" / "usual_names.csv"

projects = sa.table(
    "projects", sa.column("id", sa.Integer), sa.column("title", sa.String), sa.column("search_title", sa.String)
)
organisations = sa.table(
    "organisations",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("name", sa.String),
    sa.column("commune_id", sa.Integer),
)
communes = sa.table("communes", sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("name", sa.String))


def _search_key(text):
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _usual_names():
    if not USUAL_NAMES_FILE.exists():
        return {}
    with USUAL_NAMES_FILE.open(encoding="utf-8", newline="") as rows:
        return {(row["code"], row["name"]): row["usual_name"] for row in csv.DictReader(rows)}


def _commune_organisations(bind):
    return bind.execute(
        sa.select(organisations.c.id, organisations.c.name, communes.c.code, communes.c.name)
        .join(communes, communes.c.id == organisations.c.commune_id)
        .where(organisations.c.kind == "commune")
    ).all()


def upgrade():
    with op.batch_alter_table("projects") as batch_op:
        batch_op.add_column(sa.Column("search_title", sa.String(length=200), nullable=False, server_default=""))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(projects.c.id, projects.c.title).where(projects.c.id > last).order_by(projects.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            projects.update().where(projects.c.id == sa.bindparam("project_id")),
            [{"project_id": row.id, "search_title": _search_key(row.title)} for row in rows],
        )
        last = rows[-1].id
    usual = _usual_names()
    for organisation_id, name, code, official in _commune_organisations(bind):
        if name == official and (code, official) in usual:
            bind.execute(
                organisations.update().where(organisations.c.id == organisation_id).values(name=usual[code, official])
            )


def downgrade():
    bind = op.get_bind()
    usual = _usual_names()
    for organisation_id, name, code, official in _commune_organisations(bind):
        if usual.get((code, official)) == name:
            bind.execute(organisations.update().where(organisations.c.id == organisation_id).values(name=official))
    with op.batch_alter_table("projects") as batch_op:
        batch_op.drop_column("search_title")

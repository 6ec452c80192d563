"""second factor secrets: TOTP secrets encrypted with TOTP_ENCRYPTION_KEYS, recovery codes as salted argon2
hashes, and single-use e-mail change links

Existing TOTP secrets are encrypted in place with the newest key of TOTP_ENCRYPTION_KEYS (set it before
upgrading; a development checkout makes one under instance/). Existing recovery codes were unsalted SHA-256
hashes of shorter codes: they cannot be rehashed without the codes themselves, so they are deleted, and their
owners make new ones from the two-factor page (their authenticator app keeps working). E-mail change links sent
before the upgrade no longer move an account: they carry no nonce.

Revision ID: 0016_second_factor_secrets
Revises: 0015_awaiting_indexes
Create Date: 2026-12-08 01:20:00

"""

from alembic import op
import sqlalchemy as sa
from cryptography.fernet import Fernet, MultiFernet
from flask import current_app

import portal.database


# revision identifiers, used by Alembic.
revision = "0016_second_factor_secrets"
down_revision = "0015_awaiting_indexes"
branch_labels = None
depends_on = None

two_factor = sa.table("two_factor", sa.column("user_id", sa.Integer), sa.column("secret", sa.String))


def _keys() -> MultiFernet:
    text = current_app.config["TOTP_ENCRYPTION_KEYS"]
    return MultiFernet([Fernet(key.strip().encode()) for key in text.split(",") if key.strip()])


def _rewrite_secrets(change) -> None:
    connection = op.get_bind()
    for user_id, secret in connection.execute(sa.select(two_factor.c.user_id, two_factor.c.secret)).all():
        connection.execute(two_factor.update().where(two_factor.c.user_id == user_id).values(secret=change(secret)))


def upgrade():
    op.create_table(
        "email_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("new_email", sa.String(length=254), nullable=False),
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", portal.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_email_changes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_changes")),
        sa.UniqueConstraint("nonce_hash", name=op.f("uq_email_changes_nonce_hash")),
    )
    with op.batch_alter_table("email_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_changes_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("two_factor", schema=None) as batch_op:
        batch_op.alter_column(
            "secret", existing_type=sa.String(length=64), type_=sa.String(length=255), existing_nullable=False
        )
    keys = _keys()
    _rewrite_secrets(lambda secret: keys.encrypt(secret.encode()).decode())

    op.execute(sa.text("DELETE FROM recovery_codes"))  # unsalted fast hashes: invalidated (see above)
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.alter_column(
            "code_hash", existing_type=sa.String(length=64), type_=sa.String(length=200), existing_nullable=False
        )


def downgrade():
    op.execute(sa.text("DELETE FROM recovery_codes"))  # argon2 hashes the older code cannot read
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.alter_column(
            "code_hash", existing_type=sa.String(length=200), type_=sa.String(length=64), existing_nullable=False
        )

    keys = _keys()
    _rewrite_secrets(lambda secret: keys.decrypt(secret.encode()).decode())
    with op.batch_alter_table("two_factor", schema=None) as batch_op:
        batch_op.alter_column(
            "secret", existing_type=sa.String(length=255), type_=sa.String(length=64), existing_nullable=False
        )

    with op.batch_alter_table("email_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_changes_user_id"))
    op.drop_table("email_changes")

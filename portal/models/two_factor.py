"""Two-factor authentication: an account's TOTP secret and its single-use recovery codes."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class TwoFactor(db.Model):
    """One account's authenticator. While `confirmed_at` is empty the account is enrolling (the secret is shown,
    no code has proved it yet) and sign-in does not ask for a code. `last_step` is the TOTP time step of the last
    code accepted: a code is never accepted twice, nor an older one."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # The base32 secret encrypted with TOTP_ENCRYPTION_KEYS (Fernet): a copy of the database alone computes no code.
    secret: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_step: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(db.Model):
    """A single-use code that stands for a TOTP code when the phone is lost. Only its salted argon2 hash is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

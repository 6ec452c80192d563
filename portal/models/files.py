"""The columns every table of stored files shares, and the registry those tables join by using them.

A stored file lives in UPLOAD_DIR under a random name; a row of a file table points to it. A model that keeps
files inherits `StoredFile` and is thereby listed in `FILE_MODELS`, which the orphan sweep, the backup and the
personal-data export read (portal/services/files.py): a new file table cannot be left out of any of them.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow

FILE_MODELS: list[type] = []  # every mapped class with stored files, in the order their modules define them


class StoredFile:
    """A file kept outside static/: the name the uploader gave (cleaned), the random name it is stored under,
    its type as its bytes say (never as the client says), its size, who sent it and when."""

    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        FILE_MODELS.append(cls)

"""Small JPEG thumbnails of the photos kept after agreement, so that pages show them and stay light.

An image is judged by its declared size before any pixel is decoded (a small file can declare gigapixels), and a
photo whose thumbnail cannot be made simply has none: the page then offers the photo as a download only.
"""

import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from portal.extensions import db
from portal.models import DeliveryFile
from portal.services.files import new_stored_name, record_stored_file, stored_path

THUMBNAIL_SIDE = 120  # pixels: about 3 to 5 KB each
MAX_PIXELS = 50_000_000  # what a camera makes; anything larger is not decoded


def add_thumbnail(photo: DeliveryFile) -> DeliveryFile | None:
    """A thumbnail of `photo` (an image already stored), kept as a file of its own and linked to it."""
    source = stored_path(photo)
    stored_name, target = new_stored_name()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return None
                image.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))
                small = ImageOps.exif_transpose(image).convert("RGB")
                small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
                small.save(target, "JPEG", quality=60, optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        target.unlink(missing_ok=True)
        return None
    thumbnail = record_stored_file(
        DeliveryFile,
        stored_name,
        filename=f"miniature-{photo.filename}",
        content_type="image/jpeg",
        size=target.stat().st_size,
        uploaded_by_id=photo.uploaded_by_id,
        project_id=photo.project_id,
    )
    photo.thumbnail_id = thumbnail.id
    photo.thumbnail = thumbnail
    db.session.flush()
    return thumbnail

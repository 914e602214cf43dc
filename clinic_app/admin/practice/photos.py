"""A clinician's portrait: whatever image an admin uploads is checked and re-encoded with Pillow
as a small JPEG (no camera metadata or location kept, no file served as it was sent)."""

import io

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 800 * 1024
MAX_PIXELS = 20_000_000  # larger images are refused before they are decoded (decompression bombs)
SIZE = (400, 400)


class PhotoRefused(ValueError):
    """Why an upload is not a usable photo, for the form."""


def portrait(data: bytes) -> bytes:
    """``data`` (a JPEG, PNG or WebP image) as a JPEG at most 400×400, upright, without metadata.

    :raise PhotoRefused: too large, not an image, or an image too big to open.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRefused("Please use a photo under 800 KB.")
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "WEBP"]) as image:
            if image.width * image.height > MAX_PIXELS:
                raise PhotoRefused("That photo has too many pixels; please use a smaller one.")
            image.draft("RGB", (SIZE[0] * 2, SIZE[1] * 2))  # a JPEG decodes at a fraction of its size
            image.thumbnail(SIZE)  # shrink first, so the full picture is never held in memory twice
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.info.clear()  # no comment, profile or other metadata carried over
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise PhotoRefused("Please upload a photo as a JPEG, PNG or WebP image.") from None
    return out.getvalue()

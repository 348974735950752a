"""Uploaded files: one storage interface, and the checks every uploaded image goes through.

Files live under UPLOAD_FOLDER with random names; a later S3-compatible backend only has to
provide `save` and `read`. Images are decoded and re-encoded with Pillow, which drops EXIF
(including GPS positions from phone cameras) and anything hidden after the pixels.
"""
from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # refuses decompression bombs before decoding them
MAX_SIDE = 1600  # larger photos are scaled down: nobody needs more on a web page
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF"}  # MPO: the multi-picture JPEG of many phones


class ImageRejected(ValueError):
    """Why an image was not accepted, in words for the person who sent it."""


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(data: bytes, suffix: str) -> str:
    key = secrets.token_urlsafe(18) + suffix
    (_folder() / key).write_bytes(data)
    return key


def read(key: str) -> bytes | None:
    if not key or "/" in key or "\\" in key or key.startswith("."):
        return None
    path = _folder() / key
    return path.read_bytes() if path.is_file() else None


def clean_image(stream) -> tuple[bytes, str]:
    """(bytes, suffix) of the image re-encoded without metadata; ImageRejected when it is not one we take."""
    data = stream.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(_l("The image must be smaller than 5 MB"))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ImageRejected(_l("The image must be a JPG, PNG, WebP or GIF"))
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise ImageRejected(_l("The image is too large: use one under 40 megapixels"))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)  # keep the photo the right way up once EXIF is gone
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
            out = io.BytesIO()
            if has_alpha:
                image.convert("RGBA").save(out, "PNG", optimize=True)
                return out.getvalue(), ".png"
            image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            return out.getvalue(), ".jpg"
    except ImageRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageRejected(_l("The file is not an image we can read: use a JPG or PNG photo"))

"""Images (PNG and JPEG): verified, then re-encoded so that only the pixels are kept."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from sightline.core.document_base import MSG_BOMB, MSG_DAMAGED, MSG_MISMATCH, UploadRejected


def clean_image(data: bytes, kind: str) -> bytes:
    """Verify an image and re-encode its pixels only: no EXIF, XMP, comments or text chunks."""
    expected = {"png": ("PNG",), "jpeg": ("JPEG", "MPO")}[kind]
    limit = Image.MAX_IMAGE_PIXELS or 89_478_485
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in expected:
                raise UploadRejected(MSG_MISMATCH, "mismatch")
            if probe.width * probe.height > limit:
                raise UploadRejected(MSG_BOMB, "bomb")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return _reencode(image, kind)
    except UploadRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise UploadRejected(MSG_BOMB, "bomb") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise UploadRejected(MSG_DAMAGED, "damaged") from exc


def _reencode(image: Image.Image, kind: str) -> bytes:
    icc_profile = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    orientation = image.getexif().get(0x0112, 1)
    params: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if kind == "jpeg" and orientation in (None, 1) and image.format == "JPEG":
        target, params["quality"] = image, "keep"  # same quantisation: no visible loss
    else:
        target = ImageOps.exif_transpose(image)
        if kind == "jpeg":
            params["quality"] = 92
    if kind == "png" and transparency is not None:
        params["transparency"] = transparency
    target.info = {}
    output = io.BytesIO()
    target.save(output, format="PNG" if kind == "png" else "JPEG", **params)
    return output.getvalue()

"""PNG and JPEG uploads: re-encoded without EXIF or text, turned upright; bombs refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from sightline.core.documents import MSG_BOMB, inspect_upload
from sightline.core.tests.conftest import build_image, rejected, upload

pytestmark = pytest.mark.usefixtures("storage_dir")


# --------------------------------------------------------------------------- accepted files


@pytest.mark.parametrize(("name", "fmt"), [("photo.jpg", "JPEG"), ("scan.png", "PNG")])
def test_images_are_reencoded_without_exif_or_text(name, fmt):
    result = inspect_upload(upload(name, build_image(fmt)))
    assert result.text == ""
    with Image.open(io.BytesIO(result.content)) as image:
        assert image.format == fmt
        assert len(image.getexif()) == 0
        assert not {"comment", "Author", "Comment", "exif", "xmp"} & set(image.info)
    assert b"Jane Doe" not in result.content
    assert b"Acacia" not in result.content


def test_jpeg_orientation_is_applied_before_exif_is_dropped():
    result = inspect_upload(upload("rotated.jpeg", build_image("JPEG", orientation=6)))
    with Image.open(io.BytesIO(result.content)) as image:
        assert image.size == (20, 40)
    assert result.extension == "jpg"


# --------------------------------------------------------------------------- refused: images


def test_decompression_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    assert rejected("big.png", build_image("PNG", size=(20, 20))) == MSG_BOMB

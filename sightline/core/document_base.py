"""What the document modules share: the refusal raised for a submitted file, the messages it
carries, and a file's type as told by its name and by its first bytes.

Import these from `sightline.core.documents`, which re-exports them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

MSG_TYPE = "The selected file must be a PDF, Word document, Excel spreadsheet, PNG or JPEG"
MSG_TOO_BIG = "The selected file must be smaller than {limit}"
MSG_EMPTY = "The selected file is empty"
MSG_MACROS = "The selected file contains macros"
MSG_MISMATCH = "The selected file's name does not match its type"
MSG_PASSWORD = "The selected file is password protected"
MSG_ACTIVE = "The selected file contains scripts, embedded files or other active content"
MSG_BOMB = "The selected file is too large to open safely"
MSG_DAMAGED = "The selected file is damaged and cannot be opened"
MSG_VIRUS = "The selected file contains a virus"
MSG_SCAN_FAILED = "The selected file could not be checked for viruses – try again later"


class UploadRejected(ValidationError):
    """A submitted file was refused; `message` is fit to show the user, `code` names the check."""

    def __init__(self, message: str, code: str):
        super().__init__(message, code=code)


def file_extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    return None

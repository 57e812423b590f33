"""Checks every upload gets, whatever its type: type by content and by name, empty and damaged
files, size, the file name kept for display, and the virus scan."""

from __future__ import annotations

import io
import os
import shutil
import socket
import tempfile
import threading

import pytest

from sightline.core.documents import (
    MSG_DAMAGED,
    MSG_EMPTY,
    MSG_MISMATCH,
    MSG_SCAN_FAILED,
    MSG_TYPE,
    MSG_VIRUS,
    UploadRejected,
    clean_filename,
    inspect_upload,
)
from sightline.core.tests.conftest import (
    build_docx,
    build_image,
    build_pdf,
    build_xlsx,
    rejected,
    upload,
)

pytestmark = pytest.mark.usefixtures("storage_dir")


# --------------------------------------------------------------------------- refused: type


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("report.pdf", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("minutes.docx", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
        ("notes.txt", b"plain text"),
        ("passwd", build_pdf()),
        ("a.pdf%00.html", build_pdf()),
        ("invoice\u202efdp.exe", build_pdf()),
    ],
)
def test_wrong_types_are_refused(name, data):
    assert rejected(name, data) == MSG_TYPE


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("image.png", build_pdf()),
        ("report.pdf", build_image("PNG")),
        ("photo.jpg", build_image("PNG")),
        ("chronology.xlsx", build_docx()),
        ("returns.docx", build_xlsx()),
        ("letter.pdf", build_docx()),
    ],
)
def test_extension_must_match_content(name, data):
    assert rejected(name, data) == MSG_MISMATCH


def test_empty_file_is_refused():
    assert rejected("empty.pdf", b"") == MSG_EMPTY


def test_corrupt_files_are_refused():
    assert rejected("broken.pdf", b"%PDF-1.7\n" + os.urandom(200)) == MSG_DAMAGED
    assert rejected("broken.png", build_image("PNG")[:60]) == MSG_DAMAGED
    assert rejected("broken.docx", b"PK\x03\x04" + os.urandom(100)) == MSG_DAMAGED


# --------------------------------------------------------------------------- refused: size


def test_over_size_file_is_refused_with_the_limit_in_the_message(settings):
    data = b"%PDF-1.7\n" + b"0" * settings.SIGHTLINE_UPLOAD_MAX_BYTES
    assert rejected("huge.pdf", data) == "The selected file must be smaller than 20MB"


def test_reads_at_most_limit_plus_one_when_size_is_not_declared(settings):
    settings.SIGHTLINE_UPLOAD_MAX_BYTES = 1024

    class Unsized(io.BytesIO):
        name = "stream.pdf"
        size = None
        taken = 0

        def read(self, n=-1):
            chunk = super().read(n)
            Unsized.taken += len(chunk)
            return chunk

    with pytest.raises(UploadRejected) as caught:
        inspect_upload(Unsized(b"%PDF-" + b"0" * 10_000_000))
    assert caught.value.message == "The selected file must be smaller than 1KB"
    assert Unsized.taken == 1025


def test_declared_size_is_checked_before_reading(settings):
    settings.SIGHTLINE_UPLOAD_MAX_BYTES = 1000

    class Lying:
        name = "x.pdf"
        size = 5000

        def read(self, n=-1):
            raise AssertionError("must not be read")

    with pytest.raises(UploadRejected):
        inspect_upload(Lying())


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\win.ini.pdf", "win.ini.pdf"),
        ("photo\u202egpj.pdf", "photogpj.pdf"),
        ("a\x00b\x1f\x7fc.pdf", "abc.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ('re<po>rt:"1"|?*.pdf', "re_po_rt__1____.pdf"),
        ("  .hidden.pdf. ", "hidden.pdf"),
        (".pdf", "pdf"),
        ("%2e%2e%2fpasswd.pdf", "%2e%2e%2fpasswd.pdf"),
        ("", "document"),
    ],
)
def test_clean_filename(raw, clean):
    assert clean_filename(raw) == clean


def test_long_names_are_cut_keeping_the_extension():
    name = clean_filename("x" * 300 + ".docx")
    assert len(name) == 200
    assert name.endswith("x.docx")


# --------------------------------------------------------------------------- virus scanning


@pytest.fixture
def fake_clamd(settings):
    folder = tempfile.mkdtemp(prefix="clamd", dir="/tmp")
    path = os.path.join(folder, "clamd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(5)
    state = {"scanned": []}

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.endswith(b"\0\0\0\0"):
                    part = conn.recv(65536)
                    if not part:
                        break
                    data += part
                state["scanned"].append(data)
                found = b"SIGHTLINE-TEST-SIGNATURE" in data
                conn.sendall(b"stream: Sightline.Test FOUND\0" if found else b"stream: OK\0")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    settings.SIGHTLINE_CLAMD_ADDRESS = path
    yield state
    server.close()
    shutil.rmtree(folder, ignore_errors=True)


def test_clean_file_passes_the_virus_scan(fake_clamd):
    inspect_upload(upload("ok.pdf", build_pdf()))
    assert fake_clamd["scanned"][0].startswith(b"zINSTREAM\0")


def test_infected_file_is_refused(fake_clamd):
    data = build_pdf(text="SIGHTLINE-TEST-SIGNATURE")
    assert rejected("infected.pdf", data) == MSG_VIRUS


def test_upload_is_refused_when_the_scanner_is_down(settings):
    settings.SIGHTLINE_CLAMD_ADDRESS = "/nonexistent/clamd.sock"
    assert rejected("ok.pdf", build_pdf()) == MSG_SCAN_FAILED

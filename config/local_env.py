"""The local demo's settings file, `local.env` in the var folder.

`make run` (scripts/run.sh) writes it with `python -m config.local_env FILE SITE_URL`: the demo
flag, two-factor authentication off, the site address and a secret key generated the first time
and kept after that. `config/settings.py` reads it when it is there, and the environment still
wins for each value, so the commands in the README work in the checkout `make run` set up while
a deployment, which has no such file, still refuses to start without DJANGO_SECRET_KEY.

Only the keys below may be in it, and it must be readable by its owner alone (mode 0600): it
holds a secret key, and anything else in it would be a way to change a deployment's settings
from a file nobody looks at.
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

FILE_NAME = "local.env"
KEYS = ("SIGHTLINE_DEMO", "SIGHTLINE_MFA_REQUIRED", "SIGHTLINE_SITE_URL", "DJANGO_SECRET_KEY")
HEADER = (
    "# The local demo's settings, written by `make run` (scripts/run.sh). Not for production:\n"
    "# a deployment sets its settings in the environment and has no such file.\n"
)


def read(path: Path) -> dict[str, str]:
    """The file's values, or {} if there is no file. A file that is unsafe or holds anything
    but KEY=VALUE lines for the keys above stops the settings loading."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return {}
    if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077:
        raise ImproperlyConfigured(
            f"{path} must be a file readable by its owner only (chmod 600 {path})."
        )
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        key = key.strip()
        if not equals or key not in KEYS:
            raise ImproperlyConfigured(
                f"{path} line {number}: only {', '.join(KEYS)} may be set here, as KEY=VALUE."
            )
        values[key] = value.strip()
    return values


def write(path: Path, site_url: str) -> dict[str, str]:
    """Write the demo's settings, keeping the secret key of an earlier run (so sessions and
    links survive a restart). Written to a new file, mode 0600, then moved into place."""
    previous = read(path) if path.exists() else {}
    values = {
        "SIGHTLINE_DEMO": "true",
        "SIGHTLINE_MFA_REQUIRED": "false",
        "SIGHTLINE_SITE_URL": site_url.strip().rstrip("/"),
        "DJANGO_SECRET_KEY": previous.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
    }
    if any(ch in value for value in values.values() for ch in "\r\n"):
        raise ValueError("A setting in the local demo's file cannot hold a line break.")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(HEADER + "".join(f"{key}={values[key]}\n" for key in KEYS))
    os.replace(temporary, path)
    return values


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m config.local_env FILE SITE_URL")
    write(Path(sys.argv[1]), sys.argv[2])

"""The local demo's settings file: `make run` writes var/local.env, and the README's commands then
work as written in that checkout, while a deployment without the file (and without
DJANGO_SECRET_KEY) still refuses to start."""

from __future__ import annotations

import os
import runpy
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import local_env

BASE_DIR = Path(__file__).resolve().parents[3]
SETTINGS_FILE = BASE_DIR / "config" / "settings.py"
SAMPLE_CATALOGUE = BASE_DIR / "sightline" / "publishing" / "tests" / "data" / "library_sample.jsonl"
OWN_PREFIXES = ("DJANGO_", "SIGHTLINE_", "DATABASE_URL")


def manage(var_dir: Path, *args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    """`.venv/bin/python manage.py ...` as the README shows it: none of Sightline's settings in
    the environment (as the hook that checks the README has it), only the var folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES)}
    env["SIGHTLINE_VAR_DIR"] = str(var_dir)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_readme_commands_run_in_a_checkout_with_the_demo_settings_file(tmp_path):
    local_env.write(tmp_path / "local.env", "http://127.0.0.1:8123")
    assert manage(tmp_path, "migrate", "--noinput").returncode == 0

    deadline = manage(tmp_path, "deadline", "2026-12-18", "5")
    assert (deadline.returncode, deadline.stdout.strip().splitlines()[-1]) == (0, "2026-12-29")

    seeded = manage(tmp_path, "seed_demo")
    assert seeded.returncode == 0, seeded.stderr
    assert "Two-factor authentication is relaxed for this local demo" in seeded.stdout

    imported = manage(tmp_path, "library_import", str(SAMPLE_CATALOGUE))
    assert imported.returncode == 0, imported.stderr

    verified = manage(tmp_path, "verify_events")
    assert verified.returncode == 0, verified.stderr
    assert "Event log intact" in verified.stdout

    swept = manage(tmp_path, "sweep_documents")
    assert swept.returncode == 0, swept.stderr


def test_without_the_file_or_a_secret_key_the_commands_refuse_to_start(tmp_path):
    result = manage(tmp_path, "deadline", "2026-12-18", "5")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set outside the local demo" in result.stderr


# --- Writing and reading the file ----------------------------------------------------------


def test_the_file_is_written_for_its_owner_only_and_keeps_its_secret_key(tmp_path):
    path = tmp_path / "local.env"

    first = local_env.write(path, "http://127.0.0.1:8000/")
    second = local_env.write(path, "http://127.0.0.1:8001")

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first["DJANGO_SECRET_KEY"]) >= 50
    assert second["DJANGO_SECRET_KEY"] == first["DJANGO_SECRET_KEY"]
    assert local_env.read(path) == {
        "SIGHTLINE_DEMO": "true",
        "SIGHTLINE_MFA_REQUIRED": "false",
        "SIGHTLINE_SITE_URL": "http://127.0.0.1:8001",
        "DJANGO_SECRET_KEY": first["DJANGO_SECRET_KEY"],
    }
    assert list(tmp_path.iterdir()) == [path]


@pytest.fixture
def clean_environment(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(OWN_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SIGHTLINE_VAR_DIR", str(tmp_path))
    return monkeypatch


def load_settings() -> dict:
    return runpy.run_path(str(SETTINGS_FILE))


def test_settings_take_the_demo_settings_from_the_file(clean_environment, tmp_path):
    written = local_env.write(tmp_path / "local.env", "http://127.0.0.1:8123")

    loaded = load_settings()

    assert loaded["SECRET_KEY"] == written["DJANGO_SECRET_KEY"]
    assert (loaded["SIGHTLINE_DEMO"], loaded["SIGHTLINE_MFA_REQUIRED"]) == (True, False)
    assert loaded["SIGHTLINE_SITE_URL"] == "http://127.0.0.1:8123"
    assert loaded["SIGHTLINE_LOCAL_ENV_FILE"] == str(tmp_path / "local.env")


def test_the_environment_wins_over_the_file_for_each_value(clean_environment, tmp_path):
    local_env.write(tmp_path / "local.env", "http://127.0.0.1:8123")
    clean_environment.setenv("DJANGO_SECRET_KEY", "k" * 60)
    clean_environment.setenv("SIGHTLINE_SITE_URL", "http://127.0.0.1:9000")

    loaded = load_settings()

    assert loaded["SECRET_KEY"] == "k" * 60
    assert loaded["SIGHTLINE_SITE_URL"] == "http://127.0.0.1:9000"
    assert loaded["SIGHTLINE_DEMO"] is True  # not set in the environment: from the file


def test_a_file_others_can_read_stops_the_settings_loading(clean_environment, tmp_path):
    path = tmp_path / "local.env"
    local_env.write(path, "http://127.0.0.1:8123")
    path.chmod(0o644)

    with pytest.raises(ImproperlyConfigured, match="readable by its owner only"):
        load_settings()


def test_a_file_setting_anything_else_stops_the_settings_loading(clean_environment, tmp_path):
    path = tmp_path / "local.env"
    path.write_text("SIGHTLINE_DEMO=true\nDATABASE_URL=postgres://elsewhere/db\n")
    path.chmod(0o600)

    with pytest.raises(ImproperlyConfigured, match="line 2: only"):
        load_settings()

"""Production configuration: Django's deployment checks and Sightline's own pass with
production-like settings and fail for one that would serve without HSTS, and the settings refuse
to start without a secret key or with two-factor relaxed outside the demo."""

from __future__ import annotations

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[3]
SETTINGS_FILE = BASE_DIR / "config" / "settings.py"
OWN_PREFIXES = ("DJANGO_", "SIGHTLINE_", "DATABASE_URL", "EMAIL_", "DEFAULT_FROM_EMAIL")


def production_env(tmp_path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES)}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="sightline.example",
        SIGHTLINE_BEHIND_TLS_PROXY="true",
        SIGHTLINE_VAR_DIR=str(tmp_path),
    )
    env.update(extra)
    return {name: value for name, value in env.items() if value is not None}


def deploy_check(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deployment_check_passes_with_production_defaults(tmp_path):
    result = deploy_check(production_env(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # Only security.W021 (HSTS preload) may be silenced, with its reason written in settings.
    assert "(1 silenced)" in result.stdout or "(0 silenced)" in result.stdout


def test_the_deployment_check_passes_with_production_settings_and_hsts_preload(tmp_path):
    result = deploy_check(production_env(tmp_path, SIGHTLINE_HSTS_PRELOAD="true"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_the_deployment_check_fails_for_a_demo_configuration(tmp_path):
    result = deploy_check(production_env(tmp_path, SIGHTLINE_DEMO="true"))

    assert result.returncode != 0
    assert "security.W" in result.stderr


@pytest.mark.parametrize(
    ("change", "error"),
    [
        # Behind the TLS proxy without its header, every request looks like plain HTTP, so
        # Django never sends HSTS (and redirects every request to HTTPS).
        ({"SIGHTLINE_BEHIND_TLS_PROXY": None}, "sightline.E003"),
        ({"SIGHTLINE_BEHIND_TLS_PROXY": "false"}, "sightline.E003"),
        # A short HSTS passes Django's own check, which only asks that it is set.
        ({"SIGHTLINE_HSTS_SECONDS": "3600"}, "sightline.E001"),
        ({"SIGHTLINE_HSTS_SECONDS": "0"}, "sightline.E001"),
        # Without the redirect, a visit over plain HTTP never gets a response carrying HSTS.
        ({"SIGHTLINE_SSL_REDIRECT": "false"}, "sightline.E002"),
    ],
)
def test_the_deployment_check_fails_for_a_configuration_that_would_serve_without_hsts(
    tmp_path, change, error
):
    result = deploy_check(production_env(tmp_path, **change))

    assert result.returncode != 0
    assert error in result.stderr


def test_the_deployment_check_fails_when_the_local_demo_settings_file_is_read(tmp_path):
    (tmp_path / "local.env").write_text("SIGHTLINE_SITE_URL=https://sightline.example\n")
    (tmp_path / "local.env").chmod(0o600)

    result = deploy_check(production_env(tmp_path))

    assert result.returncode != 0
    assert "sightline.E004" in result.stderr
    assert str(tmp_path / "local.env") in result.stderr


# --- Refusing unsafe settings --------------------------------------------------------------


@pytest.fixture
def outside_the_demo(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("DJANGO_", "SIGHTLINE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SIGHTLINE_VAR_DIR", str(tmp_path))
    return monkeypatch


def load_settings() -> dict:
    return runpy.run_path(str(SETTINGS_FILE))


def test_settings_refuse_to_start_without_a_secret_key_outside_the_demo(outside_the_demo):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        load_settings()


def test_settings_start_with_a_secret_key_and_keep_two_factor_on(outside_the_demo):
    key = secrets.token_urlsafe(64)
    outside_the_demo.setenv("DJANGO_SECRET_KEY", key)

    loaded = load_settings()

    assert loaded["SECRET_KEY"] == key
    assert loaded["SIGHTLINE_MFA_REQUIRED"] is True
    assert loaded["DEBUG"] is False
    assert loaded["SESSION_COOKIE_NAME"].startswith("__Host-")


def test_the_demo_starts_without_a_secret_key(outside_the_demo):
    outside_the_demo.setenv("SIGHTLINE_DEMO", "true")

    assert load_settings()["SECRET_KEY"].startswith("insecure-local-demo")


@pytest.mark.parametrize("value", ["false", "0", "no", "off"])
def test_settings_refuse_to_relax_two_factor_outside_the_demo(outside_the_demo, value):
    outside_the_demo.setenv("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
    outside_the_demo.setenv("SIGHTLINE_MFA_REQUIRED", value)

    with pytest.raises(ImproperlyConfigured, match="SIGHTLINE_MFA_REQUIRED"):
        load_settings()


def test_the_demo_may_relax_two_factor(outside_the_demo):
    outside_the_demo.setenv("SIGHTLINE_DEMO", "true")
    outside_the_demo.setenv("SIGHTLINE_MFA_REQUIRED", "false")

    assert load_settings()["SIGHTLINE_MFA_REQUIRED"] is False

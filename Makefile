# Sightline: `make run` serves the local demo; `make test` runs every check.
# Works on a fresh Debian/Ubuntu machine with Python 3.11+; see `make help`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.package-lock.json
ASSETS_STAMP := frontend/dist/.built

# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-x -k sign_in"`.
PYTEST_ARGS ?=
# Parallel workers for the SQLite and PostgreSQL suites (measured ~20% faster with 2 on a
# 2-core machine); `make test PYTEST_WORKERS=` runs them in one process.
PYTEST_WORKERS ?= 2
# No single test step may run longer than this (seconds).
STEP_TIMEOUT ?= 900

XDIST := $(if $(PYTEST_WORKERS),-p xdist -n $(PYTEST_WORKERS),)
PYTEST := env PATH="$(CURDIR)/$(BIN):$$PATH" timeout --foreground -k 30 $(STEP_TIMEOUT) \
	$(BIN)/python -m pytest --durations=10 $(PYTEST_ARGS)
# pytest exits 5 when a selection holds no tests yet; that is not a failure of the step.
NO_TESTS_OK := || { rc=$$?; if [ $$rc -eq 5 ]; then echo "(no tests selected)"; else exit $$rc; fi; }

APT_INSTALL := apt-get install -y --no-install-recommends

.PHONY: help setup system-deps venv assets run lint test test-sqlite test-postgres test-e2e \
	bench clean

help:
	@echo "make run     set everything up and serve the demo at http://127.0.0.1:8000"
	@echo "make test    lint, unit and integration tests on SQLite and PostgreSQL, browser journeys"
	@echo "make lint    ruff, migrations check, deployment check"
	@echo "make bench   benchmarks"
	@echo "make setup   system packages, virtualenv, front-end assets"
	@echo "make clean   remove the virtualenv, node_modules, built assets and test servers"

setup: system-deps venv assets

# System packages: Chromium (browser tests), PostgreSQL server (tests and larger deployments),
# Pango/HarfBuzz and a font (WeasyPrint PDFs), Node.js and npm (front-end build).
system-deps:
	@missing=(); \
	have_pkg() { dpkg-query -W -f='$${Status}' "$$1" 2>/dev/null | grep -q "install ok installed"; }; \
	[ -x /usr/bin/chromium ] || missing+=(chromium); \
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql); \
	for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; do \
		have_pkg $$pkg || missing+=($$pkg); \
	done; \
	have_pkg fonts-liberation2 || have_pkg fonts-dejavu-core || missing+=(fonts-liberation2); \
	if ! command -v npm >/dev/null 2>&1; then \
		if command -v node >/dev/null 2>&1; then missing+=(npm); else missing+=(nodejs npm); fi; \
	fi; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv); \
	if [ $${#missing[@]} -eq 0 ]; then exit 0; fi; \
	if [ "$$(id -u)" -ne 0 ]; then \
		echo "Missing system packages. Install them with:"; \
		echo "sudo $(APT_INSTALL) $${missing[*]}"; \
		exit 1; \
	fi; \
	echo "Installing system packages: $${missing[*]}"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -q; \
	$(APT_INSTALL) -q "$${missing[@]}"

venv: $(VENV_STAMP)

$(VENV_STAMP): requirements.lock pyproject.toml
	@if ! $(BIN)/python -m pip --version >/dev/null 2>&1; then \
		rm -rf $(VENV); \
		$(PYTHON) -m venv $(VENV); \
	fi
	PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 $(BIN)/python -m pip install -q -r requirements.lock
	PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 $(BIN)/python -m pip install -q --no-deps -e .
	$(BIN)/python -m pip check
	@touch $@

assets: $(ASSETS_STAMP)

$(NPM_STAMP): package-lock.json package.json
	npm ci --no-audit --no-fund --no-progress
	@touch $@

$(ASSETS_STAMP): $(NPM_STAMP) frontend/build.mjs $(shell find frontend/src -type f 2>/dev/null)
	npm run build
	@touch $@

run: setup
	@scripts/run.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py makemigrations --check --dry-run
	@# A production configuration: behind a TLS-terminating proxy, with a var folder of its own
	@# (so the local demo's var/local.env, if `make run` wrote one, is not read).
	deploy_var="$$(mktemp -d)"; trap 'rm -rf "$$deploy_var"' EXIT; \
	env -u SIGHTLINE_DEMO -u SIGHTLINE_MFA_REQUIRED -u SIGHTLINE_SECURE_COOKIES -u DJANGO_DEBUG \
		-u DATABASE_URL \
		DJANGO_SETTINGS_MODULE=config.settings \
		DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		DJANGO_ALLOWED_HOSTS=sightline.example \
		SIGHTLINE_BEHIND_TLS_PROXY=true \
		SIGHTLINE_VAR_DIR="$$deploy_var" \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

test: setup lint test-sqlite test-postgres test-e2e

test-sqlite: setup
	@echo "== Unit and integration tests on SQLite"
	env -u DATABASE_URL $(PYTEST) -m "not e2e" $(XDIST) $(NO_TESTS_OK)

test-postgres: setup
	@echo "== Unit and integration tests on PostgreSQL"
	scripts/pg_throwaway.sh run $(PYTEST) -m "not e2e" $(XDIST) $(NO_TESTS_OK)

test-e2e: setup
	@echo "== Browser journeys (Chromium, axe-core) on SQLite"
	env -u DATABASE_URL $(PYTEST) -m e2e $(NO_TESTS_OK)

# The ten-year data set on SQLite and on PostgreSQL (a throwaway server): pages, exports,
# load and the library search; see bench/README.md. `make bench BENCH_ARGS="--load-seconds 60"`.
BENCH_ARGS ?=
bench: setup
	scripts/pg_throwaway.sh run $(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	-scripts/pg_throwaway.sh stop
	rm -rf $(VENV) node_modules frontend/dist var/static var/pgtest
	rm -rf .ruff_cache .pytest_cache .hypothesis
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

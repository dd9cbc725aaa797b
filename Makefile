# Hubcity. `make run` sets everything up and serves http://127.0.0.1:8000; `make test` runs all
# tests (also on PostgreSQL when TEST_DATABASE_URL is set). See README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
LOCALES := ko en
PYTEST_ARGS ?=
# pytest-xdist workers for `make test` (auto: one per core; 0 runs in this process).
PYTEST_WORKERS ?= auto

export PYTHON VENV

.PHONY: help venv run test lint messages clean

help:
	@echo "make run       install if needed, migrate, load the demo content, serve http://$(HOST):$(PORT)"
	@echo "make test      install if needed and run every test (set TEST_DATABASE_URL to add PostgreSQL)"
	@echo "make lint      import-linter contracts and the 'platform' shadowing check"
	@echo "make messages  extract translatable strings and update locale/{ko,en} catalogs"
	@echo "make clean     remove .venv, node_modules and caches (keeps data/)"

# Idempotent: scripts/install.sh compares stamps keyed on pyproject.toml and package-lock.json.
venv:
	@scripts/install.sh

run: venv
	$(BIN)/hubcity migrate
	$(BIN)/hubcity seed-demo --if-empty
	exec $(BIN)/hubcity serve --host $(HOST) --port $(PORT)

# TEST_DATABASE_URL reaches pytest from the environment or `make test TEST_DATABASE_URL=...`.
# pytest's exit code 5 ("no tests collected") is a failure here, not a pass.
test: venv
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "make test: SQLite, and PostgreSQL at $$(sed -E 's#//([^:@/]+):[^@/]*@#//\1:***@#' <<< "$$TEST_DATABASE_URL")"; \
	else \
	  echo "make test: SQLite only (set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres to add PostgreSQL)"; \
	fi
	@rc=0; $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests; that is a failure" >&2; fi; \
	exit $$rc

lint: venv
	$(BIN)/lint-imports --no-cache
	@# `platform/` must never become a package: from the repo root, `import uuid` needs the stdlib one.
	$(BIN)/python -c "import uuid, platform; platform.system()"
	PYTHONPATH=platform:. $(BIN)/python -c "import uuid, platform; platform.system(); import hubcity"
	@echo "lint: stdlib 'platform' resolves from the repository root"

messages: venv
	$(BIN)/pybabel extract --width=100 -F babel.cfg -k N_ -k _ --project=Hubcity -o locale/messages.pot .
	@for lang in $(LOCALES); do \
	  if [ -f locale/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update --width=100 -i locale/messages.pot -d locale -l $$lang || exit 1; \
	  else \
	    $(BIN)/pybabel init -i locale/messages.pot -d locale -l $$lang || exit 1; \
	  fi; \
	done

clean:
	rm -rf $(VENV) node_modules build dist .pytest_cache tests/artifacts *.egg-info
	find . -name __pycache__ -type d -not -path './node_modules/*' -prune -exec rm -rf {} +
	@echo "clean: data/ (database, uploads, secret key) was kept; remove it by hand to start over"

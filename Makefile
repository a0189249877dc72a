# The registry's everyday commands. A fresh Debian/Ubuntu machine needs only python3,
# make and (for the tests) PostgreSQL; `make setup` does the rest, and does nothing
# quickly when it is already done.
#
#   make setup   system packages, .venv, Python packages, translation catalogs
#   make run     migrate the local database, load demo data, serve on 127.0.0.1:5000
#   make test    lint, then the whole test suite on SQLite and PostgreSQL (at once)
#                (also installs the browser tests' tools: Chromium, Java, axe, vnu)
#   make lint    ruff check, ruff format --check, bandit (medium severity and up)
#   make security  bandit, then sqlmap (scripts/sqlmap-check.sh) against the queue and register
#   make format  let ruff fix imports and formatting
#   make bench   gunicorn + wrk against PostgreSQL seeded with 1,000 and 100,000 notices
#   make bench-1m  the same with 1,000,000 notices (seeding takes about 4 minutes)
#   make bench-scale  1,000 against 1,000,000 notices, loaded in alternation (the 1.3x target)
#   make load    50 providers filing at once while reviewers read the queue (PG and SQLite)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
HOST := 127.0.0.1
PORT := 5000

# `flask` finds the app through wsgi.py; debug mode stays off unless asked for.
export FLASK_APP := wsgi.py
export FLASK_DEBUG := 0

.PHONY: help setup system-packages venv translations browser-tools run test lint format \
	security bench bench-1m bench-scale load

help:
	@sed -n 's/^#   //p' $(MAKEFILE_LIST)

setup: system-packages venv translations

system-packages:
	@scripts/ensure-system-packages.sh

venv:
	@scripts/ensure-venv.sh

translations: venv
	@scripts/compile-translations.sh

# Medium severity and up, every confidence level; an accepted finding carries
# `# nosec Bxxx - reason` on its line.
BANDIT := $(BIN)/bandit -q -r app bench -ll

# Outside CI a machine without them still runs the rest (the browser tests skip).
browser-tools:
	@scripts/browser-tools.sh || { \
	  if [ "$${CI:-}" = true ]; then exit 1; fi; \
	  echo "make: without these tools the browser tests will be skipped" >&2; }

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	@echo
	@echo "  The registry is at  http://$(HOST):$(PORT)/   (Ctrl-C stops it)"
	@echo "  Staff sign in with a code too: $(BIN)/flask users totp-code EMAIL prints it"
	@echo
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: setup browser-tools
	@scripts/ensure-postgres.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BANDIT)
	@scripts/test-both-databases.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BANDIT)

security: venv translations
	$(BANDIT)
	@scripts/sqlmap-check.sh

format: venv
	$(BIN)/ruff check --fix --select I .
	$(BIN)/ruff format .

# Documented load tools, not tests: they need PostgreSQL (and wrk, installed when missing).
BENCH_ARGS ?=

bench: setup
	@scripts/ensure-postgres.sh
	$(BIN)/python bench/run.py 1k 100k $(BENCH_ARGS)

bench-1m: setup
	@scripts/ensure-postgres.sh
	$(BIN)/python bench/run.py 1m $(BENCH_ARGS)

bench-scale: setup
	@scripts/ensure-postgres.sh
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

load: setup
	@scripts/ensure-postgres.sh
	$(BIN)/python bench/load_run.py $(BENCH_ARGS)

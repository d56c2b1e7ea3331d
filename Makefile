# Stance: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV_ENV := DJANGO_DEBUG=1
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto

.PHONY: install run serve migrate seed test test-fast lint fmt check-migrations audit ci compose-check bench bench-reminders bench-booking bench-peer-env clean need-chromium need-docker-compose

# Debian packages that a target needs: installed when missing and this user may (root, or
# sudo without a password), otherwise one line saying what to run.
ENSURE_PACKAGE := ./scripts/ensure-debian-package.sh

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Stance needs Python 3.12 or newer (Django 6).")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.3"
	$(BIN)/python -m pip install --quiet . --group dev
	touch $@

install: $(BIN)/.installed ## Create .venv and install Stance with its dev tools

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate ## Demo clinic, people and bookings (idempotent)
	$(DEV_ENV) $(BIN)/python manage.py seed_demo

run: seed ## Install, migrate, load demo data, serve http://127.0.0.1:8000 with a worker and beat
	@echo "Stance is starting at http://$(HOST):$(PORT)/ (emails are written to var/mail/; Ctrl-C stops all)"
	# Links in the emails point at this server unless STANCE_SITE_URL says otherwise.
	$(DEV_ENV) STANCE_SITE_URL=$${STANCE_SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/python manage.py run_stance $(HOST):$(PORT)

need-chromium:
	@$(ENSURE_PACKAGE) chromium "chromium chromium-browser" "make test needs Chromium for the \
	browser tests: run \`sudo apt-get install -y chromium\`, or \`make test-fast\` to skip them."

need-docker-compose:
	@$(ENSURE_PACKAGE) docker-compose docker-compose "make compose-check needs docker-compose: \
	run \`sudo apt-get install -y docker-compose\`."

test: need-chromium install ## The whole suite, browser tests included (PostgreSQL and Redis on 127.0.0.1 when they answer)
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

test-fast: install ## Everything but the browser tests
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not browser"

lint: install ## ruff (check and format) and mypy (strict, over clinic, bookings, prescriptions)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: install
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

audit: install ## Known vulnerabilities in the installed packages (pip-audit; warns when offline)
	$(BIN)/python .ci/pip_audit.py

ci: lint check-migrations audit compose-check test ## What CI runs (.ci/run), in its order

compose-check: need-docker-compose ## Validate docker-compose.yml offline (Debian's docker-compose)
	docker-compose -f docker-compose.yml config --quiet

bench: install ## Benchmarks; figures go to docs/BENCHMARKS.md by hand
	$(BIN)/python bench/run.py

bench-reminders: install ## Email dispatch and outage recovery (PostgreSQL + Redis); see docs/BENCHMARKS.md
	$(BIN)/python bench/reminders.py

# django-appointment 3.12.0, the peer that bench/booking.py books against, in a virtualenv
# of its own (never on Stance's path).
PEER_VENV := var/bench-peer/venv
PEER_REQUIREMENTS := "django-appointment==3.12.0" "psycopg[binary]"

$(PEER_VENV)/.installed:
	$(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/python -m pip install --quiet $(PEER_REQUIREMENTS)
	touch $@

bench-peer-env: $(PEER_VENV)/.installed ## The peer's virtualenv for make bench-booking (var/bench-peer/venv)

bench-booking: install bench-peer-env ## Booking rate vs raw INSERT and vs django-appointment; the availability API vs /healthz
	$(BIN)/python bench/booking.py

clean:
	rm -rf $(VENV) var staticfiles test-results

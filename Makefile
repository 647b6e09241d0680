# Rekisteri — the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
SIZES  ?= 10000,100000
SIZE   ?=

.PHONY: run test bench install dev lint format clean messages

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Rekisteri needs Python 3.11 or newer (PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e ".[dev]"
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

## make run: embedded SQLite under var/, demo data, demo logins, http://127.0.0.1:8000,
## and the worker that runs the daily jobs (Huey, stopped with the server)
run: install
	$(BIN)/python -m rekisteri.core.crypto.keyfile init
	$(BIN)/python manage.py migrate_all -v0
	$(BIN)/python manage.py demo_setup
	$(BIN)/python manage.py run_huey & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/python manage.py runserver 127.0.0.1:8000

## make test: ruff, the import contracts and the whole pytest suite (DATABASE_URL=postgres://... for PostgreSQL)
test: dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=rekisteri.settings_test $(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python -m pytest -q

## make bench: registers of 10k and 100k persons (SIZE=1000000 for 1M), each
## encrypted and as the plaintext baseline, then retention (benchmarks/retention.py)
## and the audit, invoicing, message, backup, PRH import, contact-list import and rights-engine
## benchmarks (benchmarks/domains.py)
bench: dev
	$(BIN)/python -m benchmarks.run --sizes $(if $(SIZE),$(SIZE),$(SIZES))
	$(BIN)/python -m benchmarks.retention --sizes $(if $(SIZE),$(SIZE),$(SIZES))
	$(BIN)/python -m benchmarks.domains

lint: dev
	$(BIN)/ruff check .

format: dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Apps with a catalog of their own; the project catalog holds the rest.
LOCALE_APPS := accounts access audit auditlog billing connectors contracts dsr jobs messaging privacy restrictions rights retention

messages: dev
	cd rekisteri && DJANGO_SETTINGS_MODULE=rekisteri.settings_test ../$(BIN)/python ../manage.py makemessages -l fi -l en --no-obsolete --ignore '*/tests/*' $(foreach a,$(LOCALE_APPS),--ignore '$(a)/*')
	for a in $(LOCALE_APPS); do \
		(cd rekisteri/$$a && DJANGO_SETTINGS_MODULE=rekisteri.settings_test ../../$(BIN)/python ../../manage.py makemessages -l fi --no-obsolete --ignore 'tests/*') || exit 1; \
	done
	cd rekisteri && DJANGO_SETTINGS_MODULE=rekisteri.settings_test ../$(BIN)/python ../manage.py compilemessages
	@! grep -l -e '^#, fuzzy' $$(find rekisteri -name django.po -path '*/fi/*') || { echo "fuzzy translations left"; exit 1; }

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

# The SCO Chairmanship Archive: `make run` to try it, `make test` to check it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
REQUIREMENTS := requirements.txt requirements-dev.txt

# A suitable interpreter: the version in .python-version, then python3.13, python3.12, then python3.
# Each candidate must actually run (pyenv shims exist for versions that are not selected) and be >= 3.12.
PYTHON_CANDIDATES := python$(shell cut -d. -f1,2 .python-version 2>/dev/null) python3.13 python3.12 python3
FIND_PYTHON = for candidate in $(PYTHON_CANDIDATES); do \
	  if $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	    command -v $$candidate; exit 0; fi; done; exit 1

.PHONY: help run test lint check-migrations load clean

help:
	@echo "make run    set up .venv, migrate, load the curated fixtures and serve http://$(HOST):$(PORT)/"
	@echo "make test   set up .venv and run the whole test suite (DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make lint   ruff check and the migrations check"

$(VENV)/.installed: $(REQUIREMENTS)
	@python=$$($(FIND_PYTHON)) || { echo "Python 3.12 or newer is needed: install python3.12 or python3.13 (e.g. 'pyenv install 3.13') and run make again."; exit 1; }; \
	  if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$python"; $$python -m venv $(VENV); fi
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

load: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py load_archive

run: load
	@echo ""
	@echo "The archive is at http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/)."
	@echo "Create an editor account with:  DEBUG=1 $(PY) manage.py createsuperuser"
	@echo ""
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	SECRET_KEY=lint-only $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles

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

.PHONY: help venv run serve test lint load bench bench-smoke postgresql-rum profile audit clean messages

help:
	@echo "make run    set up .venv, migrate, load the curated fixtures and serve http://$(HOST):$(PORT)/"
	@echo "make test   set up .venv and run the whole test suite (DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make serve  the production stack locally: collectstatic, WhiteNoise, gunicorn, DEBUG off"
	@echo "make bench  benchmark the production stack on 100 000 synthetic documents (PostgreSQL, Redis, wrk)"
	@echo "make profile  where an uncached page's time goes, per page type (PostgreSQL, pyinstrument)"
	@echo "make lint   ruff check and the migrations check"
	@echo "make messages  refresh the Russian and Chinese interface catalogues (locale/) and compile them"

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
	DEBUG=1 $(PY) manage.py build_release

run: load
	@echo ""
	@echo "The archive is at http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/)."
	@echo "Create an editor account with:  DEBUG=1 $(PY) manage.py create_editor <username> --role editor"
	@echo "  (--role publisher may also publish; manage.py createsuperuser makes an administrator)"
	@echo ""
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# The production stack on this machine: DEBUG off, collected and hashed static files served by WhiteNoise,
# uploaded PDFs served by the app (SERVE_MEDIA=1 unless .env says otherwise), gunicorn with
# sco_site/gunicorn.conf.py. Reads .env when present; without SECRET_KEY a random one is made for this run
# only (sessions then end when the server stops).
serve: $(VENV)/.installed
	@set -a; [ ! -f .env ] || . ./.env; set +a; \
	  export DEBUG=0 SERVE_MEDIA="$${SERVE_MEDIA:-1}" SECRET_KEY="$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}"; \
	  $(PY) manage.py migrate --no-input -v0 && $(PY) manage.py load_archive -v0 && \
	  $(PY) manage.py collectstatic --no-input -v0 && \
	  echo "Production stack on http://$(HOST):$(PORT)/ (gunicorn, DEBUG off)" && \
	  HOST=$(HOST) PORT=$(PORT) exec $(VENV)/bin/gunicorn -c sco_site/gunicorn.conf.py

# The benchmark: a 100 000-document synthetic dataset on PostgreSQL (database sco_bench), the production
# stack, wrk per URL, an open data release built and timed with its peak memory (bench/release_timing.py), and a
# summit day (readers over a thousand addresses while editors save and publish: bench/summit_day.py); prints
# and writes bench/RESULTS.md. bench-smoke is the few-second version CI runs.
bench: $(VENV)/.installed postgresql-rum
	$(PY) bench/run.py

bench-smoke: $(VENV)/.installed postgresql-rum
	@mkdir -p artifacts
	$(PY) bench/run.py --smoke --database sco_bench_smoke --output artifacts/bench-smoke.md

# PostgreSQL's RUM extension, which lets search read a common word's first page without every match (migration
# 0014; without it search takes the GIN plan, same results, slower): the server's Debian package, installed
# when missing where apt-get runs as root.
postgresql-rum:
	@major=$$(psql -h 127.0.0.1 -U postgres -d postgres -tAc 'SHOW server_version_num' 2>/dev/null | cut -c1-2); \
	  if [ -n "$$major" ] && [ ! -f "/usr/share/postgresql/$$major/extension/rum.control" ]; then \
	    if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	      echo "Installing postgresql-$$major-rum"; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$$major-rum" >/dev/null; \
	    else echo "postgresql-$$major-rum is not installed: search on PostgreSQL takes its slower plan."; fi; \
	  fi

# Where the time of an uncached page goes: the benchmark's dataset in a PostgreSQL database of its own
# (PROFILE_DATABASE, default sco_profile; filled once, reused after), each page type requested in-process
# with DEBUG and the page cache off, timed, then profiled with pyinstrument (bench/profile.py; PROFILE_ARGS
# passes options, e.g. PROFILE_ARGS="--only search --tree"). bench/PROFILE.md keeps the findings.
profile: $(VENV)/.installed
	$(PY) bench/profile.py $(PROFILE_ARGS)

test: $(VENV)/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	SECRET_KEY=lint-only $(PY) manage.py makemigrations --check --dry-run

# The interface catalogues: collect every marked string into locale/<language>/LC_MESSAGES/django.po (keeping
# the translations already there), then compile the .mo files that are committed beside them, so `make run`
# needs no gettext. Debian's gettext provides xgettext, msgmerge and msgfmt.
messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || { echo "Installing gettext"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq gettext; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq gettext; fi; }
	DEBUG=1 $(PY) manage.py makemessages -l ru -l zh_Hans --no-obsolete --ignore=.venv --ignore=bench --ignore=tests
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

# Known vulnerabilities in the pinned requirements (pip-audit asks the PyPI advisory service; --strict fails
# when a package could not be checked, so an unreachable service never passes as "no vulnerabilities").
audit: $(VENV)/.installed
	$(VENV)/bin/pip-audit --requirement requirements.txt --requirement requirements-dev.txt --progress-spinner off --strict

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles

.PHONY: schema-check schemathesis fuzz soak

# The OpenAPI schema must generate without a single warning.
schema-check: $(VENV)/.installed
	SECRET_KEY=schema-check-only $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

# Fuzzes the live API against its own schema, anonymously, as an Editor and as a Publisher (.ci/schemathesis):
# a throwaway SQLite database with the curated fixtures, a server on a free local port (stopped afterwards),
# a bounded number of examples per operation; any 5xx, or an Editor's write the role rules forbid, fails.
SCHEMATHESIS_EXAMPLES ?= 10
schemathesis: $(VENV)/.installed
	VENV=$(VENV) SCHEMATHESIS_EXAMPLES=$(SCHEMATHESIS_EXAMPLES) .ci/schemathesis

# The same fuzzing, longer than CI runs it: FUZZ_EXAMPLES examples per operation and account.
FUZZ_EXAMPLES ?= 200
fuzz: $(VENV)/.installed
	$(MAKE) schemathesis SCHEMATHESIS_EXAMPLES=$(FUZZ_EXAMPLES)

# The production stack under 60 s of wrk at 64 connections over a mix of pages and API calls (PostgreSQL,
# gunicorn, DEBUG off): fails on any error or on worker memory growth (bench/soak.py).
soak: $(VENV)/.installed
	$(PY) bench/soak.py $(SOAK_ARGS)

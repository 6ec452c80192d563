# make run: install, migrate, load data, serve on http://127.0.0.1:$(PORT).  make test: install and test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

PO_FILES := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run serve seed test test-sqlite test-postgres lint install install-dev translations migrate bench-outbox bench bench-wrk clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.stamp-runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.stamp-runtime

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.stamp-runtime
install-dev: $(VENV)/.stamp-dev node_modules/.stamp

%.mo: %.po | $(VENV)/.stamp-runtime
	$(BIN)/pybabel -q compile -i $< -o $@

translations: $(MO_FILES)

migrate: install
	$(BIN)/flask db upgrade

# The demo's operations queue mails: their links name the port the portal will serve on.
seed: migrate
	PUBLIC_URL=$${PUBLIC_URL:-http://127.0.0.1:$(PORT)} $(BIN)/flask seed-demo

run: install translations seed serve

# Gunicorn for the pages and the API, and the outbox worker beside it; Ctrl-C stops everything it started within
# seconds (tests/test_stopping.py): the trap is cleared before `kill 0` (which reaches the shell too: else it
# would trap its own signal again and again), and gunicorn gives its workers 3 seconds to finish a request.
serve:
	@echo "Serving the portal on http://127.0.0.1:$(PORT)"
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	export PUBLIC_URL=$${PUBLIC_URL:-http://127.0.0.1:$(PORT)} PORTAL_ENV=$${PORTAL_ENV:-development}; \
	$(BIN)/flask outbox work & \
	$(BIN)/gunicorn --workers 2 --graceful-timeout 3 --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app & \
	wait

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suite on SQLite (with the browser tests), then again on PostgreSQL when TEST_DATABASE_URL is set.
test: install-dev translations lint test-sqlite test-postgres

test-sqlite: install-dev translations
	env -u TEST_DATABASE_URL $(BIN)/pytest -n 2 --dist loadgroup

test-postgres: install-dev translations
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		$(BIN)/pytest -n 2 --dist loadgroup --ignore=tests/browser --ignore=tests/test_fuzz_api.py --ignore=tests/test_served_portal.py; \
	else echo "TEST_DATABASE_URL is not set: the PostgreSQL run is skipped (CI sets it)."; fi

bench-outbox: install-dev
	$(BIN)/python -m tests.bench_outbox

# Pages and API at national scale beside a bare Flask "hello", all through gunicorn (2 sync workers, loopback)
# and wrk: a fresh database, BENCH_PROJECTS projects, then queries, in-process times, req/s and latency per URL.
# The database is instance/bench.db, or the one named on the command line, `make bench
# DATABASE_URL=postgresql://…`, whose schema public is dropped first (a DATABASE_URL from the environment is
# ignored: it may be the one you work with). BENCH_SECONDS is the load per URL; BENCH_ARGS="--explain" adds the
# query plans (python -m tests.bench --help lists the rest).
BENCH_PROJECTS ?= 50000
BENCH_SECONDS ?= 6
ifeq ($(origin DATABASE_URL),command line)
BENCH_DB := $(DATABASE_URL)
else
BENCH_DB := sqlite:///$(CURDIR)/instance/bench.db
endif
bench: install translations bench-wrk
	$(BIN)/python -m tests.bench --database-url '$(BENCH_DB)' --reset-database
	DATABASE_URL='$(BENCH_DB)' $(BIN)/flask db upgrade
	DATABASE_URL='$(BENCH_DB)' $(BIN)/flask seed-bench --projects $(BENCH_PROJECTS)
	$(BIN)/python -m tests.bench --database-url '$(BENCH_DB)' --seconds $(BENCH_SECONDS) $(BENCH_ARGS)

# wrk, the load generator, from Debian's packages; without apt (or root), tests/bench.py measures with threads.
bench-wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		echo "make bench: wrk (HTTP load generator) is missing; installing Debian's package: apt-get install -y wrk"; \
		sudo=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
		if command -v apt-get >/dev/null 2>&1; then \
			$$sudo apt-get install -y -qq wrk >/dev/null 2>&1 || \
			{ $$sudo apt-get update -qq >/dev/null 2>&1 && $$sudo apt-get install -y -qq wrk >/dev/null 2>&1; }; \
		fi; \
		command -v wrk >/dev/null 2>&1 || echo "make bench: could not install wrk (no apt-get, or not allowed):" \
			"measuring with the threaded load generator of tests/bench.py, which takes CPU from the server" \
			"(read its req/s as a floor)."; \
	}

clean:
	rm -rf $(VENV) node_modules instance/portal.db* $(MO_FILES)

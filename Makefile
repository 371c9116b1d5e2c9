# ISG: `make run` to try it, `make test` to test it. Targets run in order; make them serially.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
# Graphviz draws the flowchart diagram; its font is listed because recommends are not installed.
# WeasyPrint (PDF records) loads Pango and HarfBuzz's subsetter at import time.
APT_APP_PACKAGES := graphviz fonts-liberation2 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
# poppler-utils: pdftotext and pdftoppm read the PDF records back in tests.
APT_TEST_PACKAGES := chromium libatomic1 fonts-dejavu-core poppler-utils $(APT_APP_PACKAGES)
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_WORKERS ?= 2

# The first Python 3.12 or newer: on PATH (pyenv's shims included), then pyenv's own installs;
# override with PYTHON=...
PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 python3 $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3); do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 \
	&& { echo $$p; break; }; done)

.PHONY: run serve test check-python app-system-deps system-deps app-deps test-deps demo-db vendor lint bench bench-smoke clean

run: app-system-deps app-deps demo-db  ## Set up and run the app and its task worker on SQLite at http://127.0.0.1:8000
	@echo ""
	@echo "ISG is starting at http://$(HOST):$(PORT)/ (press Ctrl+C to stop)"
	@# The task worker sends the approval emails (to the console here); it stops with the server.
	ISG_DEBUG=1 $(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	ISG_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# `make serve`: as production runs it (README, "Running in production"). Configuration comes from the
# environment (ISG_SECRET_KEY at least; ISG_ENV=production, DATABASE_URL, REDIS_URL, ISG_AUDIT_ANCHOR_KEY
# and ISG_AUDIT_ANCHOR_PATH for real use). Migrations are a release step (`manage.py migrate`, once, as
# the tables' owner, then `manage.py db_roles --apply`), not part of starting a server.
# Two database roles on PostgreSQL (README, "Database roles"): the servers and the worker connect as the
# app's role, which may only add to and read the history:
#   DATABASE_URL=postgres://isg_app:...@db:5432/isg make serve
# and only the retention job connects as the maintenance role, which may also blank history's free text:
#   ISG_MAINTENANCE_DATABASE_URL=postgres://isg_maintenance:...@db:5432/isg .venv/bin/python manage.py retention apply
WEB_WORKERS ?= 3
WEB_THREADS ?= 2
serve: app-system-deps app-deps  ## Run gunicorn (several workers) and the task worker, static files hashed and compressed
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@# Which role is which, and a warning (not a stop) if the app's may change history; SQLite has no roles.
	@$(PY) manage.py db_roles --check || echo "make serve: WARNING: the database roles are not as README \"Database roles\" says (above)" >&2
	@# Here the task worker runs beside the server and stops with it; in production it is its own service.
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn isg.wsgi --config python:isg.ops.gunicorn --bind $(HOST):$(PORT) \
	  --workers $(WEB_WORKERS) --threads $(WEB_THREADS)

test: test-deps  ## Install everything the tests need and run the whole suite
	ISG_DEBUG=0 DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py check
	ISG_DEBUG=0 DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations --check --dry-run
	@# The production settings, as `ISG_ENV=production` starts them; `check` never connects to the
	@# database or Redis, so these addresses need nothing listening (none is on port 1).
	ISG_ENV=production ISG_DEBUG=0 ISG_SECRET_KEY=deploy-check-$$(date +%s%N)-not-a-real-secret-key-0123456789abcdef \
	  ISG_AUDIT_ANCHOR_KEY=anchor-check-$$(date +%s%N)-not-a-real-key ISG_AUDIT_ANCHOR_PATH=/nonexistent/anchors.jsonl \
	  DATABASE_URL=postgres://isg@127.0.0.1:1/isg_deploy_check REDIS_URL=redis://127.0.0.1:1/0 ISG_ALLOWED_HOSTS=isg.example.org \
	  $(PY) manage.py check --deploy --fail-level WARNING
	ISG_DEBUG=0 DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py flowchart replay
	$(VENV)/bin/ruff check .
	@# The apps' layers (.importlinter): a module imports its own layer and those below, never above.
	$(VENV)/bin/lint-imports --no-cache
	@# One worker per core; a module's tests stay together (module-scoped servers, fixed database names).
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "ISG needs Python 3.12 or newer (tried python3.12, python3.13, python3.14, python3 and pyenv's installs)."; \
	  echo "Install it (for example 'apt-get install python3.12 python3.12-venv' or 'pyenv install 3.12') and run make again."; \
	  exit 1; fi

$(VENV)/.created: | check-python
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"
	touch $@

$(VENV)/.app: $(VENV)/.created pyproject.toml requirements.lock
	$(PY) -m pip install --quiet --group app -c requirements.lock
	touch $@

$(VENV)/.test: $(VENV)/.created pyproject.toml requirements.lock
	$(PY) -m pip install --quiet --group test -c requirements.lock
	touch $@ $(VENV)/.app

app-deps: $(VENV)/.app

test-deps: system-deps $(VENV)/.test

app-system-deps:  ## Debian packages the app needs (as root, or with sudo)
	@if ! dpkg -s $(APT_APP_PACKAGES) >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(APT_APP_PACKAGES); \
	fi

system-deps:  ## Debian packages the browser tests need (as root, or with sudo)
	@if ! dpkg -s $(APT_TEST_PACKAGES) >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(APT_TEST_PACKAGES); \
	fi

demo-db: app-deps
	ISG_DEBUG=1 $(PY) manage.py migrate --verbosity 0
	ISG_DEBUG=1 $(PY) manage.py load_demo

vendor:  ## Rebuild static/vendor and static/css/app.css from the npm packages (needs Node)
	npm ci --no-audit --no-fund
	rm -rf static/vendor && mkdir -p static/vendor/govuk-frontend/assets/images
	cp node_modules/govuk-frontend/dist/govuk/assets/images/govuk-crest.svg static/vendor/govuk-frontend/assets/images/
	sed -e 's#//\# sourceMappingURL=.*$$##' node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js > static/vendor/govuk-frontend/govuk-frontend.min.js
	node_modules/.bin/sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps static/scss/app.scss static/css/app.css

lint: test-deps
	$(VENV)/bin/ruff check .

bench: test-deps  ## Walk-step latency and query counts (see bench/README.md)
	$(PY) bench/walk_step.py

# Every runnable script in bench/ (each has a __main__) in its smoke mode: seconds each, tiny sizes, a
# non-zero exit if it is broken. SQLite; with DATABASE_URL naming a PostgreSQL server, the PostgreSQL
# ones too, each in a database of its own there (bench/benchlib.py). .ci/run runs it on both. Two at a
# time, the largest scripts (the slowest) first; each one's output is shown when all are done.
BENCH_SCRIPTS = $(shell ls -S $$(grep -l '^if __name__ == "__main__":' bench/*.py))
BENCH_SMOKE_JOBS ?= 2
bench-smoke: app-system-deps $(VENV)/.bench  ## Every benchmark in smoke mode: do they all still run?
	@logs=$$(mktemp -d); running=0; failed=""; \
	for script in $(BENCH_SCRIPTS); do \
	  ( started=$$(date +%s); $(PY) $$script --smoke > $$logs/$${script##*/}.log 2>&1; \
	    echo "exit $$? after $$(( $$(date +%s) - started )) s" > $$logs/$${script##*/}.status ) & \
	  running=$$(( running + 1 )); \
	  if [ $$running -ge $(BENCH_SMOKE_JOBS) ]; then wait -n; running=$$(( running - 1 )); fi; \
	done; wait; \
	for script in $(BENCH_SCRIPTS); do \
	  name=$${script##*/}; echo "== $$script --smoke: $$(cat $$logs/$$name.status)"; \
	  if grep -q '^exit 0 ' $$logs/$$name.status; then tail -n 8 $$logs/$$name.log | sed 's/^/   /'; \
	  else sed 's/^/   /' $$logs/$$name.log; failed="$$failed $$script"; fi; \
	done; rm -rf $$logs; \
	if [ -n "$$failed" ]; then echo "bench smoke FAILED:$$failed"; exit 1; fi; echo "bench smoke: every benchmark runs"

# Load run (issue 8): 200 simulated practitioners for 60 s on two servers, then on one (bench/load.py);
# needs PostgreSQL and Redis on 127.0.0.1. `make bench-load LOAD_ARGS=--kill` kills one server half-way.
.PHONY: bench-load
$(VENV)/.bench: $(VENV)/.created pyproject.toml requirements.lock
	$(PY) -m pip install --quiet --group bench -c requirements.lock
	touch $@
bench-load: app-system-deps $(VENV)/.bench  ## Locust: errors, lost answers and p95, two servers against one
	$(PY) bench/load.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 audit-anchors-db.jsonl test-results

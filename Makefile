# Abrazo: `make demo` to try it, `make test` to prove it. Everything installs into .venv from the
# locked requirements; nothing needs to be installed by hand except Python 3.11.
PORT ?= 8000
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
ABRAZO := $(BIN)/abrazo
STAMP := $(VENV)/.installed-stamp
DEMO_MFA_CODE ?= 000000

.PHONY: install demo serve test test-fast test-browser lint messages makemessages bench bench-load clean-demo audit-deps

install: $(STAMP)

$(STAMP): requirements/base.txt requirements/dev.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Abrazo needs Python 3.11 ($(PYTHON)) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/base.txt -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# Compile the Spanish catalogue when gettext is present; the compiled .mo is committed as a fallback.
messages: install
	@if command -v msgfmt >/dev/null 2>&1; then cd abrazo && ../$(ABRAZO) compilemessages -l es >/dev/null; fi

makemessages: install
	cd abrazo && ../$(ABRAZO) makemessages -l es --no-location --no-obsolete --no-wrap --ignore "static/*" --ignore "*/tests/*"

demo: install messages
	$(ABRAZO) migrate --noinput
	$(ABRAZO) createcachetable
	$(ABRAZO) collectstatic --noinput >/dev/null
	$(ABRAZO) demo
	@echo "Serving Abrazo on http://127.0.0.1:$(PORT)  (Ctrl-C to stop)"
	ABRAZO_DEMO_MFA_CODE=$(DEMO_MFA_CODE) $(ABRAZO) demo_serve --port $(PORT)

test: install messages
	ABRAZO_ENV=test $(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install
	ABRAZO_ENV=test $(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

test-browser: install messages
	ABRAZO_ENV=test $(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

# mypy covers the typed core of each app: services, selectors, the access module and the pure engines.
MYPY_TARGETS = $(wildcard abrazo/*/services.py abrazo/*/selectors.py abrazo/*/engine.py abrazo/*/metrics.py \
	abrazo/*/suppression.py abrazo/*/scoring.py abrazo/*/outcomes.py abrazo/*/redcap.py abrazo/*/branching.py \
	abrazo/*/counts.py abrazo/*/rollup.py abrazo/*/warnings.py abrazo/*/imports.py abrazo/*/timeliness.py abrazo/workforce/*_services.py abrazo/workforce/*_selectors.py \
	abrazo/workforce/languages.py abrazo/workforce/capacity.py abrazo/workforce/completion.py abrazo/workforce/certificates.py \
	abrazo/workforce/growth.py abrazo/workforce/endorsement.py abrazo/workforce/feedback_stats.py \
	abrazo/workforce/voice_text.py abrazo/workforce/feedback_charts.py abrazo/workforce/feedback_demo.py abrazo/workforce/demo.py) \
	abrazo/accounts/access.py abrazo/accounts/middleware.py \
	abrazo/directory/demo.py abrazo/library/demo.py abrazo/core/widgets.py abrazo/core/listing.py abrazo/core/concurrency.py \
	abrazo/core/pagination.py \
	$(wildcard abrazo/library/*_services.py abrazo/library/*_selectors.py) abrazo/library/link_check.py abrazo/library/search.py abrazo/library/search_text.py abrazo/library/search_fields.py \
	abrazo/library/markup.py abrazo/library/site_defaults.py abrazo/core/security_headers.py abrazo/core/public_language.py \
	abrazo/reports/report_engine.py abrazo/reports/report_selectors.py abrazo/reports/county_map.py \
	abrazo/reports/export_service.py abrazo/reports/export_kinds.py abrazo/reports/export_writers.py \
	abrazo/core/tabular.py abrazo/core/streaming.py abrazo/api/base.py \
	abrazo/core/backup.py abrazo/core/mail.py abrazo/core/logging.py abrazo/core/uploads.py abrazo/core/unavailable.py \
	abrazo/core/cache.py abrazo/audit/break_glass_services.py abrazo/audit/break_glass_selectors.py abrazo/accounts/passwords.py abrazo/core/management/commands/grant_app_role.py

lint: install
	$(BIN)/ruff check .
	ABRAZO_ENV=test $(BIN)/mypy $(MYPY_TARGETS)
	ABRAZO_ENV=test $(ABRAZO) makemigrations --check --dry-run

# Known vulnerabilities in the locked requirements (pip-audit): fails on any; warns loudly, without failing,
# when the vulnerability service cannot be reached (ABRAZO_AUDIT_STRICT=1 fails then too). See tools/audit_deps.py.
audit-deps: install
	$(BIN)/python tools/audit_deps.py requirements/base.txt requirements/dev.txt

bench: install
	$(BIN)/python bench/list_page.py

# Load test (issue 9): locust drives the realistic mix against gunicorn on the state-scale data set and prints the
# throughput at p95 < 200 ms and < 0.1% errors, and its ratio to the trivial view (docs/benchmarks.md). A few
# minutes; never part of `make test`.
bench-load: install
	$(BIN)/python bench/load_test.py $(BENCH_ARGS)

clean-demo:
	rm -f var/abrazo.sqlite3 var/abrazo.sqlite3-wal var/abrazo.sqlite3-shm

# County outlines for the report maps (issue 8): rebuilds abrazo/reports/data/county_shapes.json from the us-atlas
# npm package (needs Node.js/npm and the registry); see abrazo/reports/data/PROVENANCE.md. Not part of `install`:
# the derived file is committed.
.PHONY: county-shapes
county-shapes:
	$(PYTHON) tools/county_shapes/build.py

# The two commands: `make run` (a working office on this machine) and `make test`.
# Both create .venv and install the pinned requirements on first use.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
ADDR ?= 127.0.0.1:8000

# Development defaults; set in the environment to override (see README).
export DEBUG ?= 1

.PHONY: run test test-fast install lint format messages bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_gwangju
	$(PY) manage.py demo_user --address $(ADDR)
	@if $(PY) manage.py healthcheck --broker; then \
		echo "Starting web ($(ADDR)), Celery worker and beat. Stop with Ctrl-C."; \
		PATH="$(CURDIR)/$(BIN):$$PATH" ADDR=$(ADDR) $(BIN)/honcho start -f Procfile.dev; \
	else \
		echo "Redis does not answer at $${REDIS_URL:-redis://localhost:6379/0}: reports will be built"; \
		echo "in-process by the web server (no worker, no monthly schedule). Start Redis for the full setup."; \
		REDIS_URL= $(PY) manage.py runserver $(ADDR); \
	fi

test: install lint
	$(PY) -m pytest $(PYTEST_ARGS)

# Everything but the worker-kill and browser tests: a couple of minutes, for the edit-test loop.
test-fast: install lint
	$(PY) -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-extract and compile the Korean translations (needs GNU gettext); commit the .po and .mo.
messages: install
	for app in jobs portfolio reports api dashboard imports; do \
		(cd $$app && ../$(PY) ../manage.py makemessages -l ko --no-obsolete >/dev/null && ../$(PY) ../manage.py compilemessages -l ko >/dev/null); \
	done
	cd config && ../$(PY) ../manage.py compilemessages -l ko >/dev/null  # third-party strings, kept by hand

bench: install
	$(PY) bench/admin_changelist.py
	$(PY) bench/dashboard.py
	$(PY) bench/import_executions.py
	$(PY) bench/report_build.py
	$(PY) bench/briefing_pdf.py
	$(PY) bench/ledger.py
	$(PY) bench/evidence.py
	$(PY) bench/api_throughput.py  # needs wrk and Redis

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# vocloop — the two commands a new user needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export VOCLOOP_DATA_DIR ?= $(CURDIR)/.data
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test lint types migrations-check pytest pytest-pure pytest-sqlite pytest-postgres bench browser clean

$(BIN)/vocloop: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(BIN)/vocloop
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/vocloop
	$(BIN)/vocloop migrate --no-input
	$(BIN)/vocloop demo

test: $(VENV)/.dev browser lint types migrations-check pytest

browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing at $(CHROMIUM): run 'sudo apt-get install chromium'"; exit 1; \
	  fi; \
	fi

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.dev
	$(BIN)/mypy src

migrations-check: $(VENV)/.dev
	VOCLOOP_DATA_DIR=$$(mktemp -d) $(BIN)/vocloop makemigrations --check --dry-run

pytest: pytest-pure pytest-sqlite pytest-postgres

# Statistics and text analytics: plain Python, tested without Django (tests/pure/pytest.ini).
pytest-pure: $(VENV)/.dev
	$(BIN)/pytest tests/pure

pytest-sqlite: $(VENV)/.dev
	VOCLOOP_DATA_DIR=$$(mktemp -d) VOCLOOP_DATABASE_URL= $(BIN)/pytest

# PostgreSQL is mandatory on CI; elsewhere the run is skipped, saying so, when no
# server answers. The tests create (and drop) their own database.
VOCLOOP_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/vocloop
pytest-postgres: $(VENV)/.dev
	@if $(BIN)/python -m tests.postgres_available "$(VOCLOOP_TEST_POSTGRES_URL)"; then \
	  VOCLOOP_DATA_DIR=$$(mktemp -d) VOCLOOP_DATABASE_URL="$(VOCLOOP_TEST_POSTGRES_URL)" $(BIN)/pytest; \
	elif [ -n "$$CI" ]; then \
	  echo "PostgreSQL is not reachable at $(VOCLOOP_TEST_POSTGRES_URL) and CI is set: failing."; exit 1; \
	else \
	  echo "SKIPPED: the PostgreSQL run of the test suite (no server at $(VOCLOOP_TEST_POSTGRES_URL); CI unset)."; \
	fi

bench: $(VENV)/.dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .data

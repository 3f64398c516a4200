# vocloop — the two commands a new user needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export VOCLOOP_DATA_DIR ?= $(CURDIR)/.data
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test lint types migrations-check bench browser clean pytest \
	pytest-pure pytest-sqlite pytest-postgres \
	pytest-pure-parallel pytest-sqlite-parallel pytest-postgres-parallel \
	pytest-pure-serial pytest-sqlite-serial pytest-postgres-serial

$(BIN)/vocloop: pyproject.toml setup.py
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

test: $(VENV)/.dev browser
	$(call suites,lint types migrations-check)

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

# The suite runs three times side by side: the pure tests (statistics, text analytics:
# no Django, tests/pure), and the Django suite on SQLite and on PostgreSQL, each with
# PYTEST_WORKERS pytest-xdist workers, so that tests waiting for a server, a subprocess
# or a browser leave the cores to those computing. Each run's output is printed whole
# when it ends. Then the few tests marked `serial` (timing-sensitive) run alone.
# Two workers a run: on two cores the suite is bound by computing, and a third worker
# only added switching (measured: 613 s and 14 min of CPU against about 650 s and 16).
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest
# One BLAS thread a process: the runs and their workers already keep the cores busy,
# and idle OpenBLAS threads spin (the learning tests took 15 % more CPU with two).
pytest pytest-%: export OPENBLAS_NUM_THREADS = 1
pytest pytest-%: export OMP_NUM_THREADS = 1
pytest-%-parallel: PART = -m "not serial" -n $(PYTEST_WORKERS) --dist load
pytest-pure-parallel: PART = -m "not serial"
# Exit status 5: no test is marked serial in that run.
pytest-%-serial: PART = -m serial || [ $$? = 5 ]

pytest: $(VENV)/.dev
	$(call suites,)

# The three runs side by side, with the targets named in $(1) (`make test` gives the
# checks, which need a fraction of a core while the runs start up); then the serial tests.
define suites
	@echo "pytest: pure, SQLite and PostgreSQL runs side by side; each one's output follows when it ends"
	@$(MAKE) --no-print-directory -j -k --output-sync=target $(1) \
	  pytest-pure-parallel pytest-sqlite-parallel pytest-postgres-parallel; \
	  parallel=$$?; \
	  echo "pytest: the serial tests, alone"; \
	  $(MAKE) --no-print-directory -k pytest-pure-serial pytest-sqlite-serial pytest-postgres-serial; \
	  serial=$$?; \
	  [ $$parallel = 0 ] && [ $$serial = 0 ]
endef

# One run whole (`make pytest-sqlite`), or a part of it (`make pytest-sqlite-parallel`).
pytest-pure pytest-sqlite pytest-postgres: $(VENV)/.dev
	@$(MAKE) --no-print-directory $@-parallel
	@$(MAKE) --no-print-directory $@-serial

pytest-pure-parallel pytest-pure-serial: $(VENV)/.dev
	$(PYTEST) tests/pure $(PART)

pytest-sqlite-parallel pytest-sqlite-serial: $(VENV)/.dev
	VOCLOOP_DATA_DIR=$$(mktemp -d) VOCLOOP_DATABASE_URL= $(PYTEST) $(PART)

# PostgreSQL is mandatory on CI; elsewhere the run is skipped, saying so, when no
# server answers. The tests create (and drop) their own databases, one per worker,
# named for the run's process so that two runs on one server do not meet. The tests
# that reach no database of the run's own were run on SQLite already: this run leaves
# them out (VOCLOOP_TEST_DATABASE_ONLY, tests/conftest.py).
VOCLOOP_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/vocloop
pytest-postgres-parallel pytest-postgres-serial: $(VENV)/.dev
	@if $(BIN)/python -m tests.postgres_available "$(VOCLOOP_TEST_POSTGRES_URL)"; then \
	  url="$(VOCLOOP_TEST_POSTGRES_URL)_$$$$"; \
	  echo "VOCLOOP_DATABASE_URL=$$url VOCLOOP_TEST_DATABASE_ONLY=1 $(PYTEST) $(PART)"; \
	  VOCLOOP_DATA_DIR=$$(mktemp -d) VOCLOOP_DATABASE_URL="$$url" VOCLOOP_TEST_DATABASE_ONLY=1 \
	    VOCLOOP_TEST_REDIS_URL=redis://127.0.0.1:6379/14 $(PYTEST) $(PART); \
	elif [ -n "$$CI" ]; then \
	  echo "PostgreSQL is not reachable at $(VOCLOOP_TEST_POSTGRES_URL) and CI is set: failing."; exit 1; \
	else \
	  echo "SKIPPED: the PostgreSQL run of the test suite (no server at $(VOCLOOP_TEST_POSTGRES_URL); CI unset)."; \
	fi

bench: $(VENV)/.dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .data

# Two commands on a fresh machine: `make run` serves the grader, `make test` runs the whole suite.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test services bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update && apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV); \
	  else \
	    echo "Cannot create $(VENV): install Python's venv module (Debian: apt-get install python3-venv)" >&2; exit 1; \
	  fi; \
	}
	$(BIN)/python -m pip install --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

# Serve on http://127.0.0.1:8000 with the SQLite file instance/grader.sqlite3 (DATABASE_URL overrides it).
run: $(VENV)/.installed-run
	$(BIN)/python -m service db upgrade
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:8000 'service:create_app()'

# Start PostgreSQL and Redis when they are installed but stopped (best effort: tests skip what is missing).
services:
	-@if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] && ! pg_isready -q -h 127.0.0.1; then \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | tail -n 1) main start; fi
	-@if command -v redis-server >/dev/null && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then \
	  redis-server --daemonize yes --bind 127.0.0.1 >/dev/null; fi

test: $(VENV)/.installed-test services
	$(BIN)/python -m pytest

# Speed goals are measured here, never by timed tests: writes the tables in docs/performance.md.
# On a GPU node bench.engine adds CuPy rows and bench.crossover measures GRADER_GPU_CROSSOVER.
bench: $(VENV)/.installed-run
	$(BIN)/python -m bench.engine
	$(BIN)/python -m bench.grading
	$(BIN)/python -m bench.crossover

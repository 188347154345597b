# Two commands for a newcomer: `make run` and `make test`. Both bootstrap a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements.stamp

.PHONY: run run-federation test system-deps lint bench clean

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

system-deps:
	@bash scripts/install-system-deps.sh

run: $(STAMP)
	$(PY) app.py run

run-federation: $(STAMP) system-deps
	$(PY) app.py demo-federation

# Serial by default: two end-to-end tests are still timing-sensitive when another worker holds the CPU.
# `make test PYTEST_JOBS="-n 2 --dist loadfile"` runs on both cores (a module's tests stay on one worker: its
# browser and servers start once), about 20-26 minutes instead of about 50. The slowest tests are listed at the end.
PYTEST_JOBS ?=
test: $(STAMP) system-deps
	$(PY) -m pytest $(PYTEST_JOBS) --durations=25 $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/deptry .
	$(VENV)/bin/lint-imports

bench: $(STAMP) system-deps
	$(PY) -m bench.store_bench
	$(PY) -m bench.probe_bench

clean:
	rm -rf var/ .pytest_cache .ruff_cache .mypy_cache

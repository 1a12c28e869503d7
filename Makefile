# Everything a developer or CI runs. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
USER_ID ?= demo

.PHONY: help venv run test check fmt token clean

help:
	@echo "make run      local stack: Firestore emulator, demo home, fulfillment (Ctrl-C stops it)"
	@echo "make test     unit and integration tests (starts and stops its own emulator)"
	@echo "make check    ruff, mypy (never edits files); make fmt formats"
	@echo "make token USER_ID=<id>   a fresh access token on the running local stack"

$(INSTALLED): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(INSTALLED)

venv: $(INSTALLED)

run: venv
	$(PY) -m devstack.run

test: venv
	$(PY) -m pytest

check: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

token: venv
	@$(PY) -m devstack.token "$(USER_ID)"

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

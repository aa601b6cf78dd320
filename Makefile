# unroot: two entry points, both idempotent.
#   make demo  - install everything, build the bundled nginx example, scan it
#   make test  - install everything, run the whole test suite plus ruff, mypy and the
#                import-layer contracts
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV       := .venv
PY         := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.unroot-installed
EXAMPLE    := localhost/unroot-example/nginx:latest

.PHONY: help demo test deps system-deps venv bases example lint typecheck imports pytest

help:
	@echo "make demo   install system packages + .venv, build examples/nginx, scan it"
	@echo "make test   install the same, then ruff, mypy, lint-imports, pytest -n 2 (incl. slow/e2e)"

deps: system-deps venv

system-deps:
	@scripts/install_system_deps.sh

venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml | system-deps
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

bases: deps
	$(PY) scripts/build_base.py

example: bases
	$(PY) scripts/build_example.py examples/nginx $(EXAMPLE)

# A scan that finds root exits 1 by design; only a usage/input error (2) fails the demo.
demo: example
	@rc=0; $(VENV)/bin/unroot scan containers-storage:$(EXAMPLE) || rc=$$?; \
	if [ $$rc -gt 1 ]; then echo "unroot scan failed (exit $$rc)" >&2; exit $$rc; fi; \
	echo; echo "unroot scan exit code: $$rc (1 = findings, as expected for this example)"

lint: venv
	$(VENV)/bin/ruff check src tests

typecheck: venv
	$(VENV)/bin/mypy

# The layer contracts in pyproject.toml ([tool.importlinter]).
imports: venv
	$(VENV)/bin/lint-imports --no-cache

pytest: bases
	UNROOT_REQUIRE_PODMAN=1 $(VENV)/bin/pytest -n 2 tests

# Run every check even when an earlier one fails, then fail if any did.
test: bases
	@rc=0; \
	$(VENV)/bin/ruff check src tests || rc=1; \
	$(VENV)/bin/mypy || rc=1; \
	$(VENV)/bin/lint-imports --no-cache || rc=1; \
	UNROOT_REQUIRE_PODMAN=1 $(VENV)/bin/pytest -n 2 tests || rc=1; \
	exit $$rc

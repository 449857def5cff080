# groundwork: two commands, each doing its own set-up on a fresh machine (Python >= 3.11 + make).
#   make plan STACK=dev     create .venv, install, plan the stack offline
#   make plan-account       the same for the account baseline program (account/, stack main)
#   make test               create .venv, install, lint (ruff), type-check (mypy), run the tests
#   make docs               regenerate docs/configuration.md and docs/reference/ from the code
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.groundwork-installed
STACK  ?= dev
PYTEST_ARGS ?=

.PHONY: plan plan-account check cost test lint docs bench clean venv

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "groundwork needs Python >= 3.11; found " + sys.version.split()[0] + " (set PYTHON=python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

plan: $(STAMP)
	$(BIN)/groundwork plan $(STACK)

# The account baseline program (account/, docs/account.md): make plan-account [ACCOUNT_STACK=main]
plan-account: $(STAMP)
	$(BIN)/groundwork plan --project-dir account $(or $(ACCOUNT_STACK),main)

check: $(STAMP)
	$(BIN)/groundwork check $(STACK)

cost: $(STAMP)
	$(BIN)/groundwork cost $(STACK)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# --dist loadfile: a module's tests share one worker, so its module-scoped plans run once.
test: lint
	$(BIN)/python -m pytest -q -n 2 --dist loadfile $(PYTEST_ARGS)

# The tests fail when these files differ from what the code generates (tests/test_config_docs.py).
docs: $(STAMP)
	$(BIN)/python -m groundwork.config_docs --write docs

bench: $(STAMP)
	$(BIN)/python benchmarks/plan_benchmark.py --output benchmarks/RESULTS.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis *.egg-info

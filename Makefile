# Two commands a newcomer needs: `make run` and `make test`. Both build .venv on first use
# (and again whenever pyproject.toml changes), so a fresh machine needs only Python 3.11+.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-reliability bench lint clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11, python3.12, ...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/web21c-bridge run

test: $(STAMP)
	$(BIN)/python -m pytest

# The long soaks (thousands of texts, dozens of kills, minute-long outages); `make test` runs
# only their quick variants.
test-reliability: $(STAMP)
	$(BIN)/python -m pytest tests/reliability -m "slow or not slow"

# Every benchmark in bench/, each printing its figures beside a baseline from the same run.
bench: $(STAMP)
	@set -e; for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script $(BENCH_ARGS); done

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache

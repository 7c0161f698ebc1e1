# Two targets a newcomer needs: `make demo` and `make test`. Both create .venv on first use.
# CI also runs `make typecheck` (mypy over engine/, configured in pyproject.toml).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test typecheck bench bytecode clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q engine
	touch $(STAMP)

## demo: the main job on the embedded default (SQLite, example data, shipped rules, emails to ./demo/outbox)
demo: $(STAMP)
	bash examples/demo.sh

## test: the whole suite (PostgreSQL tests run when REKINDLE_TEST_POSTGRES_URL is set)
test: $(STAMP)
	$(BIN)/python -m pytest

## typecheck: mypy over engine/ (settings in pyproject.toml [tool.mypy]); CI requires zero errors
typecheck: $(STAMP)
	$(BIN)/python -m mypy

## bench: speed and memory benchmarks, by hand (see bench/README.md)
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m compileall -q engine
	$(BIN)/python -m bench

## bytecode: compile Rekindle's own modules, as installing a wheel does (pip compiles the libraries' but an
## editable install leaves engine/ as source; the install above and `make bench` do this too). With
## PYTHONDONTWRITEBYTECODE set, Python never writes .pyc files itself and compiled every imported module on
## every run: a sixth of `rekindle audience`'s start-up (docs/cli.md). A .pyc whose source changed is not
## used, so an edit takes effect at once (compiled on each run until the next `make bytecode`).
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q engine

clean:
	rm -rf $(VENV) demo .pytest_cache

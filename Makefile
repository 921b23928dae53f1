# Townhall: two commands on a fresh Debian machine.
#   make demo   set everything up, seed a demo community, serve it on http://127.0.0.1:8000
#   make test   set everything up, lint, type-check, run the tests on SQLite and PostgreSQL

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck install static serve clean

demo: install static
	$(BIN)/townhall demo

serve: install static
	$(BIN)/townhall serve

test: install static
	scripts/ensure-system-packages.sh
	$(MAKE) lint typecheck
	scripts/test-both.sh $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

static:
	@if [ -x scripts/vendor-static.sh ]; then scripts/vendor-static.sh; fi

clean:
	rm -rf $(VENV) var node_modules townhall/web/static/vendor

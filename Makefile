# Riverflow task interface. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# uv comes from PATH, else from a bootstrap venv made with pip (a fresh machine has only Python).
UV_BOOTSTRAP := .riverflow/bootstrap
UV := $(shell command -v uv 2>/dev/null || echo $(UV_BOOTSTRAP)/bin/uv)
SERVICE ?=
PYTEST_ARGS ?=

.PHONY: help install up test test-fast lint proto bench conformance run clean studio

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-12s\033[0m %s\n", $$1, $$2}'

$(UV_BOOTSTRAP)/bin/uv:
	@command -v uv >/dev/null 2>&1 || { $(PYTHON) -m venv $(UV_BOOTSTRAP) && $(UV_BOOTSTRAP)/bin/pip install -q uv; }

install: $(if $(shell command -v uv 2>/dev/null),,$(UV_BOOTSTRAP)/bin/uv) ## Create .venv from uv.lock (hashes checked)
	$(UV) sync --frozen

up: install studio/dist/index.html ## Start the whole platform on embedded defaults (NATS, gateway on 127.0.0.1:5001, all services)
	$(UV) run --frozen riverflow up

test: install studio/dist/index.html ## Run every test (unit, integration with real nats-server, PostgreSQL where it answers)
	$(UV) run --frozen pytest -q $(PYTEST_ARGS)

test-fast: install ## Unit tests only (no real processes)
	$(UV) run --frozen pytest -q -m "not integration" $(PYTEST_ARGS)

lint: install ## Ruff and the import-linter architecture contracts
	$(UV) run --frozen ruff check .
	$(UV) run --frozen lint-imports

conformance: install ## Run Dify's conformance cases (../shared) through the engine
	$(UV) run --frozen riverflow conformance --cases ../shared/conformance/cases --fixtures ../shared/conformance/dify-fixtures

proto: install ## Regenerate gRPC code from proto/ into libs/contracts
	$(UV) run --frozen bash proto/generate.sh

bench: install ## Run the benchmarks (they print their figures)
	$(UV) run --frozen python bench/run_latency.py

run: install ## Run one service against NATS_URL: make run SERVICE=gateway
	$(UV) run --frozen python -m riverflow.$(SERVICE)

# The studio (browser app at /studio) is built when missing; without npm the platform runs without it.
studio/dist/index.html:
	@if command -v npm >/dev/null 2>&1; then \
		cd studio && npm ci --no-audit --no-fund && npm run build; \
	else echo "riverflow: npm not found, the studio at /studio is not built (install Node.js 20.19+)"; fi

studio: ## Rebuild the studio (studio/dist) from the locked packages
	rm -rf studio/dist
	$(MAKE) studio/dist/index.html

clean: ## Remove the venv and the embedded platform's data
	rm -rf .venv .riverflow

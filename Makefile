# The command index. Every target creates .venv and installs the project first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench up clean system-packages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: seed the demo territory into var/cocagne.db (when empty) and serve the API and
## dashboard on http://127.0.0.1:8000, printing a token and a sign-in link per role
demo: $(STAMP)
	mkdir -p var
	$(BIN)/cocagne serve --demo --db var/cocagne.db --host 127.0.0.1 --port 8000

## system-packages: Debian's chromium, prometheus (promtool) and docker-compose, which the
## suite drives for real; installed when running as root, else named in one line
system-packages:
	bash scripts/system-packages

## test: lint, type-check, then run the whole suite (SQLite, PostgreSQL, Kafka, Chromium)
test: $(STAMP) system-packages lint typecheck
	$(BIN)/pytest -q --durations=15

lint: $(STAMP)
	$(BIN)/ruff check domain projections consumers infra tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

## bench: write, rebuild, relay, latency, API, work-page and /metrics benchmarks (ratios against
## same-run baselines)
bench: $(STAMP)
	$(BIN)/python -m bench.write
	$(BIN)/python -m bench.rebuild
	$(BIN)/python -m bench.relay
	$(BIN)/python -m bench.latency
	$(BIN)/python -m bench.api
	$(BIN)/python -m bench.api --pages --scale 10
	$(BIN)/python -m bench.metrics
	$(BIN)/python -m bench.startup
	$(BIN)/python -m bench.whatif

## up: make the secret files if missing, then start the full stack (PostgreSQL, Kafka,
## relay, consumers, Prometheus, Grafana)
up:
	bash scripts/compose-secrets
	docker compose up --build

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

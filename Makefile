# ZAMC — the two commands: `make up` runs the platform, `make test` runs every check.
# Each target installs what it needs (idempotently); only Python 3.11 must already be there.

PYTHON ?= python3
UV := $(PYTHON) -m uv
RUN := $(UV) run --locked --no-sync

.PHONY: help install web up test test-deps lint format test-fast demo bench bench-events bench-analytics bench-gateway bench-optimizer bench-web schemas clean

help:
	@echo "make up          run NATS, PostgreSQL, the sandboxes and the five services (Ctrl-C stops)"
	@echo "make test        lint and every test suite (what CI runs)"
	@echo "make demo        walk the hero flow against a running 'make up'"
	@echo "make bench       every benchmark (bench-events, bench-analytics, bench-gateway, bench-optimizer, bench-web)"
	@echo "make schemas     regenerate the committed event JSON Schemas"

install:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --user uv 2>/dev/null \
		|| $(PYTHON) -m pip install --quiet uv || $(PYTHON) -m pip install --quiet --break-system-packages uv
	@$(UV) sync --locked --all-packages --quiet

web:
	@bash services/gateway/web/build.sh || echo "warning: the web console was not built; the API still runs (see services/gateway/web/README.md)"

up: install web
	$(RUN) zamc up

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: install
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

test-deps:
	@bash deploy/scripts/ensure-promtool.sh
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium)

test: install test-deps lint
	bash services/gateway/web/build.sh
	cd services/gateway/web && npm test --silent
	$(RUN) python -m zamc_events.schemas check
	$(RUN) pytest --basetemp=.pytest-tmp

test-fast: install
	$(RUN) pytest -m "unit or contract"

demo: install
	$(RUN) python tests/e2e/demo.py

schemas: install
	$(RUN) python -m zamc_events.schemas export

bench: bench-events bench-analytics bench-gateway bench-optimizer bench-web

bench-events: install
	$(RUN) python tests/perf/bench_events.py

bench-analytics: install
	$(RUN) python tests/perf/bench_analytics.py

bench-gateway: install
	$(RUN) python tests/perf/bench_gateway.py

bench-optimizer: install
	$(RUN) python tests/perf/bench_optimizer.py

bench-web: install web
	$(RUN) python tests/perf/bench_web.py --no-build

clean:
	rm -rf .zamc .pytest_cache .ruff_cache

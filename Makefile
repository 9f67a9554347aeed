# `make run`: the demo on SQLite. `make test`: the whole suite. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PORT
# One process, its threads serving requests side by side: without REDIS_URL the rate limits are
# counted in the process, so a second worker would count them a second time and double every
# limit. With REDIS_URL they are shared, and WORKERS may be raised. X-Forwarded-* headers are
# trusted by the app alone, per PLAUDIT_PROXY_COUNT; gunicorn trusts none.
WORKERS ?= 1
THREADS ?= 8
GUNICORN_ARGS = --workers $(WORKERS) --threads $(THREADS) --worker-class gthread --forwarded-allow-ips ''

.PHONY: run test lint bench chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl-C stops)"
	$(BIN)/gunicorn $(GUNICORN_ARGS) --bind 127.0.0.1:$(PORT) --access-logfile - 'app:create_app()'

# The browser tests drive Debian's Chromium: Playwright's own browser download does not work
# everywhere, and a test skipped for want of a browser proves nothing.
chromium:
	@command -v chromium >/dev/null 2>&1 || [ -n "$$PLAUDIT_CHROMIUM" ] || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Chromium is needed for the browser tests: sudo apt-get install chromium (or set PLAUDIT_CHROMIUM)"; exit 1; fi; }

test: $(VENV)/.dev-deps chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

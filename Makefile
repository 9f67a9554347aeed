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

.PHONY: run test lint bench chromium catalogs pot messages

# The gettext catalogs (README, "Languages"): `make messages` extracts every marked text into
# translations/messages.pot and merges it into each language's messages.po; `make catalogs`
# compiles the .po files that changed into the .mo files the app reads (not kept in git).
CATALOGS := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
BABEL_SOURCES := admin api core wall widget templates app.py cli.py errors.py health.py models.py config.py

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(VENV)/.run-deps
	$(BIN)/pybabel -q compile -i $< -o $@

catalogs: $(CATALOGS)

POT ?= translations/messages.pot

pot: $(VENV)/.run-deps
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output --project Plaudit -c TRANSLATORS: \
	  -k _l -k lazy_gettext -k lazy_ngettext:1,2 -o $(POT) $(BABEL_SOURCES)

messages: pot
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete -w 100 -i $(POT) -d translations


$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps catalogs
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

test: $(VENV)/.dev-deps chromium catalogs
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

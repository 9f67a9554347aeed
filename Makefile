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

# The gettext catalogs (README, "Languages"), in two domains: "messages" for the back office
# (babel.cfg) and "visitor" for what visitors read (babel-visitor.cfg). `make messages` extracts
# every marked text into translations/DOMAIN.pot and merges it into each language's DOMAIN.po;
# `make catalogs` compiles the .po files that changed into the .mo files the app reads (neither
# the .pot nor the .mo files are kept in git).
DOMAINS := messages visitor
CATALOGS := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/*.po))
POT_DIR ?= translations

translations/%.mo: translations/%.po | $(VENV)/.run-deps
	$(BIN)/pybabel -q compile -i $< -o $@

catalogs: $(CATALOGS)

pot: $(VENV)/.run-deps
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output --project Plaudit -c TRANSLATORS: \
	  -k _l -k N_ -k lazy_gettext -k lazy_ngettext:1,2 -o $(POT_DIR)/messages.pot .
	$(BIN)/pybabel -q extract -F babel-visitor.cfg --no-location --sort-output --project Plaudit -c TRANSLATORS: \
	  -k _l -k N_ -k lazy_gettext -k lazy_ngettext:1,2 -o $(POT_DIR)/visitor.pot .

messages: pot
	for domain in $(DOMAINS); do \
	  ls translations/*/LC_MESSAGES/$$domain.po >/dev/null 2>&1 || continue; \
	  $(BIN)/pybabel -q update -D $$domain --no-fuzzy-matching --ignore-obsolete -w 100 \
	    -i translations/$$domain.pot -d translations; done


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

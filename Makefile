# Connected Council. `make run` starts the demo; `make test` runs the whole suite.
# Both install what they need: a venv from pyproject.toml, and for tests Debian's chromium
# and the npm test tools (axe-core, vnu-jar) into ./node_modules.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
# A laptop: the built-in development secrets and `flask demo` are allowed (production refuses them).
export CC_ENV ?= development
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_WORKERS ?= 2

.PHONY: run test test-fast test-browser test-postgres test-cluster install test-deps translations compile-translations demo-signins clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

compile-translations: install
	$(BIN)/pybabel -q compile -d translations

# Extract every wrapped string, merge into the Welsh catalogue, compile.
translations: install
	$(BIN)/pybabel -q extract --ignore-dirs ".* node_modules instance" -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --project "Connected Council" -o translations/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching -i translations/messages.pot -d translations
	$(BIN)/pybabel -q compile -d translations

run: compile-translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	@echo
	@echo "Connected Council is running at http://$(HOST):$(PORT)/"
	@$(BIN)/python -c "from app.core.demo import demo_sign_ins, DEMO_PASSWORD; \
	print('Demo sign-ins (password for all: ' + DEMO_PASSWORD + '):'); \
	[print(f'  {email:34} {roles}') for email, roles in demo_sign_ins()]; \
	print('Staff, caseworker, evaluator and admin accounts also ask for a two-factor code:'); \
	print('  run  .venv/bin/flask demo-code  for the current one (key GLANRAFONDEMOKEYGLANRAFONDEMOKEY).')"
	@echo
	JOBS_THREAD=1 $(BIN)/flask run --host $(HOST) --port $(PORT)

test-deps: install
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; fi
	@if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	  npm ci --silent --no-audit --no-fund; fi

# Unit and web tests: the fast suite to run constantly (no browser).
test-fast: test-deps compile-translations
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not browser and not cluster" tests

test-browser: test-deps compile-translations
	$(BIN)/pytest -q -m browser tests

test-postgres: test-deps compile-translations
	@if [ -z "$$TEST_DATABASE_URL" ]; then echo "TEST_DATABASE_URL is not set: skipping PostgreSQL run"; exit 0; fi; \
	echo "== The whole suite again on PostgreSQL ($$TEST_DATABASE_URL)"; \
	CC_TEST_DB=postgres $(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not browser and not cluster" tests && \
	CC_TEST_DB=postgres $(BIN)/pytest -q -m browser tests

# nginx in front of two gunicorns on PostgreSQL and Redis; one is killed mid-load (tests/cluster).
test-cluster: install compile-translations
	@if ! command -v nginx >/dev/null; then \
	  echo "Installing Debian's nginx for the cluster test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nginx-light >/dev/null; fi
	PATH="$$PATH:/usr/sbin" $(BIN)/pytest -q -s -m cluster tests/cluster

test: test-deps compile-translations
	@echo "== Unit and web tests on SQLite"
	CC_TEST_DB=sqlite $(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not browser and not cluster" tests
	@echo "== Browser tests on SQLite"
	CC_TEST_DB=sqlite $(BIN)/pytest -q -m browser tests
	@$(MAKE) --no-print-directory test-postgres

clean:
	rm -rf $(VENV) node_modules instance/*.db*

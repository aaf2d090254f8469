# One command to run, one to test. Everything is installed into .venv and frontend/node_modules;
# nothing is needed beyond Python 3.11+, Node 20+ and npm (make test also installs Debian's Chromium).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/index.html \
	frontend/vite.config.ts frontend/tsconfig.json frontend/tsconfig.app.json frontend/package-lock.json

# Services CI also runs the integration tests against (the machine's PostgreSQL and Redis).
SERVICES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
SERVICES_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test test-python test-services test-frontend lint frontend install system-packages bench clean

run: install frontend
	$(PY) manage.py runembedded

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	$(UV) pip sync --quiet --compile-bytecode --python $(PY) requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	touch $@

frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend: frontend/dist/.built

frontend/dist/.built: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && npm run --silent build
	touch $@

# Debian packages the tests need: Chromium (browser tests), docker-compose (validates
# docker/compose.yaml; there is no Docker engine here) and bubblewrap (the user-code sandbox).
SYSTEM_PACKAGES := chromium chromium-driver docker-compose bubblewrap

system-packages:
	@{ command -v chromium && command -v docker-compose && command -v bwrap; } >/dev/null 2>&1 || { \
		echo "Installing Debian packages: $(SYSTEM_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; }

lint: install frontend/node_modules/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy designer modules
	cd frontend && npm run --silent lint

test-frontend: frontend/node_modules/.installed
	cd frontend && npm test --silent

# Browser tests run in a pytest process of their own: Playwright's sync API keeps an event loop running
# in the test thread, which the asyncio-based tests of other suites cannot share.
test-python: install frontend system-packages
	$(PY) -m pytest -m "not browser"
	$(PY) -m pytest -m browser

# The integration tests again, on the machine's PostgreSQL and Redis (skipped when they are absent).
test-services: install frontend system-packages
	@if $(PY) -c "import socket,sys; [socket.create_connection(a, 1).close() for a in (('127.0.0.1',5432),('127.0.0.1',6379))]" 2>/dev/null; then \
		DATABASE_URL=$(SERVICES_DATABASE_URL) REDIS_URL=$(SERVICES_REDIS_URL) $(PY) -m pytest -m "integration and not browser" && \
		DATABASE_URL=$(SERVICES_DATABASE_URL) REDIS_URL=$(SERVICES_REDIS_URL) $(PY) -m pytest -m browser ; \
	else echo "test-services: PostgreSQL or Redis is not listening on 127.0.0.1; skipped"; fi

test: lint test-frontend test-python test-services

bench: install
	$(PY) -m bench

clean:
	rm -rf var/test test-artifacts frontend/dist

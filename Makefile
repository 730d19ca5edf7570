# Everyday verbs: make install | run | test | bench | lint | format
PY      := .venv/bin/python
PIP     := .venv/bin/pip
HOST    ?= 127.0.0.1
PORT    ?= 5000
export HOST PORT

.PHONY: install run test bench lint format clean

install: .venv/.installed static/vendor/.built

.venv/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.built: node_modules/.installed assets/socketio.js assets/yjs.js
	npm run --silent build
	touch $@

run: install
	$(PY) -m facilitator

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) -m benchmarks

lint: install
	.venv/bin/ruff check facilitator tests
	.venv/bin/ruff format --check facilitator tests

format: install
	.venv/bin/ruff format facilitator tests
	.venv/bin/ruff check --fix facilitator tests

clean:
	rm -rf .venv node_modules static/vendor

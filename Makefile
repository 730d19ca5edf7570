# Everyday verbs: make install | run | test | fuzz | bench | bench-stall | bench-grouping | lint | lint-js | format | messages
PY      := .venv/bin/python
PIP     := .venv/bin/pip
HOST    ?= 127.0.0.1
PORT    ?= 5000
export HOST PORT
# the interface's compiled translations (see `messages` below)
TRANSLATIONS := facilitator/translations
LANGUAGES := en
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: bench-batch install run test fuzz bench bench-stall bench-grouping bench-live soak cluster lint lint-js format messages clean

# The "annex" domain: the published documents' words (annex, minutes, table cards, figure) in the
# meeting's language, whatever the visitor's (facilitator/export/language.py; its own babel-annex.cfg).
# Without the .mo the annex compiles annex.po in memory on first use.
I18N       := facilitator/translations
PYBABEL    := .venv/bin/pybabel
ANNEX_MO   := $(I18N)/en/LC_MESSAGES/annex.mo

install: .venv/.installed static/vendor/.built static/vendor/fonts/.copied $(MO_FILES) $(ANNEX_MO)

.venv/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.built: node_modules/.installed assets/socketio.js assets/yjs.js assets/markdown-it.js
	npm run --silent build
	touch $@

# Fonts for the annex (PDF and figure images), from the npm packages in package.json:
# embedded in every PDF, so the annex never depends on the fonts a machine happens to have.
FONT_PKG   := node_modules/@expo-google-fonts
ANNEX_FONTS := \
	source-serif-4/400Regular/SourceSerif4_400Regular.ttf \
	source-serif-4/400Regular_Italic/SourceSerif4_400Regular_Italic.ttf \
	source-serif-4/600SemiBold/SourceSerif4_600SemiBold.ttf \
	source-serif-4/600SemiBold_Italic/SourceSerif4_600SemiBold_Italic.ttf \
	source-sans-3/400Regular/SourceSans3_400Regular.ttf \
	source-sans-3/400Regular_Italic/SourceSans3_400Regular_Italic.ttf \
	source-sans-3/600SemiBold/SourceSans3_600SemiBold.ttf \
	source-sans-3/700Bold/SourceSans3_700Bold.ttf \
	ibm-plex-sans-arabic/400Regular/IBMPlexSansArabic_400Regular.ttf \
	ibm-plex-sans-arabic/600SemiBold/IBMPlexSansArabic_600SemiBold.ttf \
	ibm-plex-sans-arabic/700Bold/IBMPlexSansArabic_700Bold.ttf \
	noto-sans-hebrew/400Regular/NotoSansHebrew_400Regular.ttf \
	noto-sans-hebrew/600SemiBold/NotoSansHebrew_600SemiBold.ttf \
	noto-sans-hebrew/700Bold/NotoSansHebrew_700Bold.ttf \
	noto-emoji/400Regular/NotoEmoji_400Regular.ttf \
	noto-emoji/700Bold/NotoEmoji_700Bold.ttf

static/vendor/fonts/.copied: node_modules/.installed
	mkdir -p static/vendor/fonts
	cp $(addprefix $(FONT_PKG)/,$(ANNEX_FONTS)) static/vendor/fonts/
	cp $(FONT_PKG)/source-serif-4/LICENSE_FONT static/vendor/fonts/LICENSE-SourceSerif4.txt
	cp $(FONT_PKG)/source-sans-3/LICENSE_FONT static/vendor/fonts/LICENSE-SourceSans3.txt
	cp $(FONT_PKG)/ibm-plex-sans-arabic/LICENSE_FONT static/vendor/fonts/LICENSE-IBMPlexSansArabic.txt
	cp $(FONT_PKG)/noto-sans-hebrew/LICENSE_FONT static/vendor/fonts/LICENSE-NotoSansHebrew.txt
	cp $(FONT_PKG)/noto-emoji/LICENSE_FONT static/vendor/fonts/LICENSE-NotoEmoji.txt
	touch $@

# The interface's translations (babel.cfg; facilitator/i18n.py): `make messages` extracts every
# _() string into messages.pot and updates each language's .po (then translate what is new or
# fuzzy); `make install` compiles the .mo (generated, not in git; the app also compiles it on start).
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k N_

messages: .venv/.installed
	.venv/bin/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output \
		--project=Facilitator --no-wrap --ignore-dirs='.* _* node_modules static tests instance test-artifacts' \
		-o $(TRANSLATIONS)/messages.pot .
	for lang in $(LANGUAGES); do .venv/bin/pybabel update -i $(TRANSLATIONS)/messages.pot \
		-d $(TRANSLATIONS) -D messages -l $$lang --init-missing --no-wrap --ignore-obsolete || exit 1; done
	$(PY) -m facilitator.i18n
	$(PYBABEL) extract -F babel-annex.cfg --no-location --sort-output --width 100 -o $(I18N)/annex.pot .
	$(PYBABEL) update -D annex -i $(I18N)/annex.pot -d $(I18N) --width 100 --ignore-obsolete
	$(PYBABEL) compile --statistics -D annex -d $(I18N)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po .venv/.installed
	.venv/bin/pybabel compile -d $(TRANSLATIONS) -D messages -l $*

$(I18N)/%/LC_MESSAGES/annex.mo: $(I18N)/%/LC_MESSAGES/annex.po .venv/.installed
	$(PYBABEL) compile --statistics -D annex -d $(I18N) -l $*

run: install
	$(PY) -m facilitator

# The whole suite measures coverage ([tool.coverage] in pyproject.toml, subprocesses included) and
# fails under its floor (fail_under there); a subset (PYTEST_ARGS) prints its figure without the floor.
# The 30 slowest tests are listed at the end: where to look when CI grows towards its 45 minutes
COV_ARGS = --cov --cov-report=term $(if $(strip $(PYTEST_ARGS)),--cov-fail-under=0)
# Parallel by default (pytest-xdist): WORKERS processes share out the tests (in units of work that
# tests/conftest.py's xdist_scope chooses), then the tests marked `alone` (they
# measure time or load) run by themselves, appending to the same coverage, whose floor is checked
# after both passes. `make test WORKERS=0` runs everything in one serial pass, as before.
# A pass that selects nothing (exit code 5, e.g. PYTEST_ARGS names one file) is no failure.
# A test that runs past pyproject.toml's timeout (a hang) fails with every thread's stack.
WORKERS ?= 2

test: install
ifeq ($(strip $(WORKERS)),0)
	$(PY) -m pytest --durations=30 $(COV_ARGS) $(PYTEST_ARGS)
else
	$(PY) -m pytest -n $(WORKERS) -m "not alone" --durations=30 \
		--cov --cov-report= --cov-fail-under=0 $(PYTEST_ARGS); first=$$?; \
	$(PY) -m pytest -m alone --durations=30 --cov-append $(COV_ARGS) $(PYTEST_ARGS); second=$$?; \
	[ $$first -eq 0 -o $$first -eq 5 ] && [ $$second -eq 0 -o $$second -eq 5 ]
endif

# The long fuzz run: the fuzz tests of `make test` with 25 times their examples, new ones each run
fuzz: install
	HYPOTHESIS_PROFILE=long $(PY) -m pytest -p no:cacheprovider --timeout 0 tests/test_fuzz_live.py tests/test_fuzz_forms.py $(PYTEST_ARGS)

bench: install
	$(PY) -m benchmarks
	$(PY) -m benchmarks.live
	$(PY) -m benchmarks.stall
	$(PY) -m benchmarks.grouping

# does the server keep answering while the cards and the annex of 100 tables are made? (docs/performance.md)
# /healthz every 20 ms and a live sync every 50 ms meanwhile; fails when /healthz waits > 100 ms
bench-stall: install
	$(PY) -m benchmarks.stall $(BENCH_ARGS)

# the database path of one change alone: CPU and wall per one-change batch on PostgreSQL, the
# writer's connection (pipelined, BEGIN and COMMIT with the statements) beside plain and unpipelined
bench-batch: install
	$(PY) -m benchmarks.batch $(BENCH_ARGS)

# the suggested groups of 100 tables × 10 entries (docs/performance.md); fails when a run takes > 2 s
bench-grouping: install
	$(PY) -m benchmarks.grouping $(BENCH_ARGS)

# the live write path at summit scale (docs/performance.md); BENCH_ARGS="--cluster", "--tables 10 --duration 10";
# the hosted service, 20 meetings x 5 tables, on 1 process without Redis and 1, 2, 3 with it, and one
# process at the rate each of 2 and 3 carries (--same-rate): BENCH_ARGS=--hosted
bench-live: install
	$(PY) -m benchmarks.live_load $(BENCH_ARGS)

# the fault soak (docs/reliability.md): clients following the resend rule while the server is
# SIGKILLed and restarted (>= 5,000 changes, 10 kills), on SQLite and then on the cluster, where
# PostgreSQL and Redis crash too; SOAK_ARGS="--seed 7". The short form is tests/test_soak.py.
soak: install
	$(PY) -m benchmarks.soak $(SOAK_ARGS)
	$(PY) -m benchmarks.soak --cluster $(SOAK_ARGS)

# nginx + N app processes + PostgreSQL + Redis on loopback (deploy/cluster.py); CLUSTER_ARGS="--processes 3"
cluster: install
	$(PY) -m deploy.cluster $(CLUSTER_ARGS)

PY_SOURCES := facilitator tests benchmarks deploy wsgi.py

# ruff (style, imports, bugs, security) and mypy (types; [tool.mypy] in pyproject.toml says what it checks)
lint: install lint-js
	.venv/bin/ruff check $(PY_SOURCES)
	.venv/bin/ruff format --check $(PY_SOURCES)
	.venv/bin/mypy

# ESLint (eslint.config.js) over the browser modules; static/vendor is built, not linted
lint-js: node_modules/.installed
	node_modules/.bin/eslint static/js eslint.config.js

format: install
	.venv/bin/ruff format $(PY_SOURCES)
	.venv/bin/ruff check --fix $(PY_SOURCES)

clean:
	rm -rf .venv node_modules static/vendor

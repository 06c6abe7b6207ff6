# ansinh — two commands: `make run` and `make test`. Everything is installed by these targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WHEELS := $(VENV)/wheels/.downloaded
PORT ?= 8000
DEMO_PERSONS ?= 5000
SERVE_FLAGS ?=

.PHONY: run test bench lint setup migrate demo clean browser messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Official area lists that are not importable side by side with the current package: the legacy structure
# (vietnam-provinces 0.6.0) and the old→new commune mapping (vietnamadminunits), read from their wheels.
$(WHEELS): | $(BIN)/python
	$(BIN)/pip download --quiet --no-deps --dest $(VENV)/wheels 'vietnam-provinces==0.6.0' 'vietnamadminunits==1.0.4'
	touch $(WHEELS)

setup: $(STAMP) $(WHEELS)

migrate: setup
	$(BIN)/ansinh migrate

demo: migrate
	$(BIN)/ansinh demo --persons $(DEMO_PERSONS) --if-empty --admin

run: demo
	@echo "ansinh: http://127.0.0.1:$(PORT)/  — sign in as admin / ansinh-demo"
	$(BIN)/ansinh serve --port $(PORT) $(SERVE_FLAGS)

test: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src/ansinh
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench || true
	$(BIN)/mypy src/ansinh

bench: setup
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var

# Vietnamese translations: extract English source strings into src/ansinh/locale/vi/LC_MESSAGES/django.po
# (LOCALE_PATHS), then compile the .mo that is committed so a fresh machine needs no gettext.
messages: $(STAMP)
	mkdir -p src/ansinh/locale var
	cd src/ansinh && ANSINH_VAR_DIR=$(CURDIR)/var DJANGO_SETTINGS_MODULE=ansinh.config.settings.base \
		$(CURDIR)/$(BIN)/django-admin makemessages -l vi --ignore '*/tests/*' --no-obsolete
	cd src/ansinh && ANSINH_VAR_DIR=$(CURDIR)/var DJANGO_SETTINGS_MODULE=ansinh.config.settings.base \
		$(CURDIR)/$(BIN)/django-admin compilemessages -l vi

# Two commands set up everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages the tests drive: Chromium (browser tests), wrk (benchmark), nginx-light and openssl
# (the production stack test), systemd-analyze (unit files), the PostgreSQL client tools (backups).
DEBIAN_TEST_PACKAGES := chromium chromium-driver wrk nginx-light openssl postgresql-client systemd

export FLASK_APP := wsgi
PYTHON_SOURCES := clinic_app tests migrations config.py wsgi.py deploy/gunicorn.conf.py

.PHONY: run test prod-test bench system-deps venv clean translations

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@ $(VENV)/.runtime-installed

venv: $(VENV)/.runtime-installed

## Install the Debian packages above that are missing (apt-get, as root or through sudo). nginx is
## only a test tool here: when this installs it, the distribution's own nginx service is stopped.
system-deps:
	@missing=""; for pkg in $(DEBIAN_TEST_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	  case "$$missing" in *nginx-light*) \
	    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then $(SUDO) systemctl disable --now nginx || true; fi;; \
	  esac; \
	fi

## Development server on http://127.0.0.1:$(PORT): SQLite in instance/, emails written to instance/mail/
## by the same outbox worker production runs (started beside the server, stopped with it).
run: $(VENV)/.runtime-installed
	$(BIN)/flask db upgrade
	$(BIN)/flask seed
	@echo "Serving on http://127.0.0.1:$(PORT) with the outbox worker (emails are written to instance/mail/)"
	@export CLINIC_ENV=$${CLINIC_ENV:-development}; \
	$(BIN)/flask outbox work --poll 1 --reminders & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## The whole test suite, PostgreSQL and browser tests included, one process per core (up to 4;
## each test file runs in one of them, so a file's shared fixtures are built once).
test: $(VENV)/.test-installed system-deps
	$(BIN)/ruff format --check $(PYTHON_SOURCES)
	$(BIN)/ruff check $(PYTHON_SOURCES)
	$(BIN)/python -m pytest --numprocesses=auto --maxprocesses=4 --dist=loadfile

## The production stack alone (also part of `make test`): nginx over TLS, two gunicorn instances
## in CLINIC_ENV=production on PostgreSQL and Redis, two outbox workers, Chromium; see tests/production.
prod-test: $(VENV)/.test-installed system-deps
	$(BIN)/python -m pytest tests/production

## Each main page's throughput as a ratio to a bare Flask view, SQLite and PostgreSQL, 1k and 100k
## appointments, plus a whole-booking load run; see bench/bench.py. Results in bench/results/.
bench: $(VENV)/.test-installed system-deps
	$(VENV)/bin/python bench/bench.py

## Gather every string marked for translation into messages.pot and bring each language's .po up
## to date (new strings untranslated, changed ones fuzzy: `make test` fails until they are done).
translations: $(VENV)/.runtime-installed
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l --add-location=file --sort-by-file \
	  --omit-header -o messages.pot .
	$(BIN)/pybabel update -i messages.pot -d translations --width=100 \
	  --ignore-pot-creation-date

clean:
	rm -rf $(VENV) .pytest_cache

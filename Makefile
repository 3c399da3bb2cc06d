# Newsroom — everyday commands. `make run` and `make test` set everything up themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PORT   ?= 8000

.PHONY: run test lint format serve migrate demo browser bench clean help

help:
	@echo "make run    - set up, load the demo newsroom and serve it at http://127.0.0.1:$(PORT)"
	@echo "make test   - set up and run the whole test suite and the linter"
	@echo "make serve  - run gunicorn locally with production settings"
	@echo "make lint   - ruff check and format check;  make format - apply ruff format"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed (set PYTHON=...)") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@ $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	@echo "Serving http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/) - Ctrl-C stops."
	@echo "Background tasks and the periodic schedule run in a thread of this server. For the real"
	@echo "thing, run workers as processes (as many as you like, on any machine):"
	@echo "  TASKS_EMBEDDED_WORKER=0 make run   and, in another terminal,   $(PY) manage.py worker"
	@$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(DEV_STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Production settings on this machine: a local secret, no TLS redirect (no TLS here).
serve: $(STAMP)
	@mkdir -p var
	@test -f var/secret-key || $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret-key
	@echo "gunicorn never runs background tasks: start a worker beside it with"
	@echo "  DEBUG=0 SECRET_KEY=\$$(cat var/secret-key) $(PY) manage.py worker"
	DEBUG=0 SECRET_KEY=$$(cat var/secret-key) ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost} \
	  SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SERVE_MEDIA=1 \
	  sh -c '$(PY) manage.py collectstatic --noinput -v0 && $(PY) manage.py migrate --noinput -v0 && \
	  exec $(BIN)/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:$(PORT)'

# The browser tests need a Chromium: Debian's (CI installs it), CHROMIUM_PATH, or one
# Playwright downloads where downloads work (macOS, most Linux machines).
browser: $(DEV_STAMP)
	@$(PY) -m tests.e2e.browser >/dev/null || $(BIN)/playwright install chromium

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

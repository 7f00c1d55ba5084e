# Handbill: `make run` serves the app on http://127.0.0.1:5000 with its job consumer, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: run serve test bench setup system system-test db clean translations messages

# Two processes: the web app and the job consumer (message delivery, reminders, the daily purge).
# The consumer runs in the background and is stopped when the web app stops.
run: setup db
	$(FLASK) users setup-link
	$(FLASK) thumbnails build
	$(FLASK) jobs run & consumer=$$!; trap 'kill $$consumer 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

# Production runs the same two processes, each under its own supervisor (systemd, say):
#   .venv/bin/gunicorn --bind 127.0.0.1:5000 --workers 2 --threads 4 app:app
#   .venv/bin/flask --app app jobs run
# With REDIS_URL set, several app servers and consumers share one queue. This target starts both here.
serve: setup db
	$(FLASK) users setup-link
	$(FLASK) thumbnails build
	$(FLASK) jobs run & consumer=$$!; trap 'kill $$consumer 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --bind 127.0.0.1:5000 --workers 2 --threads 4 app:app

test: setup system-test
	$(BIN)/python -m pytest -q
	@if $(BIN)/python scripts/pg_ready.py "$(PG_TEST_URL)"; then \
	  echo "PostgreSQL reachable: running the database tests against it"; \
	  HANDBILL_TEST_DB="$(PG_TEST_URL)" $(BIN)/python -m pytest -q -m db; \
	else echo "PostgreSQL not reachable at $(PG_TEST_URL): database tests ran on SQLite only"; fi

bench: setup db
	$(BIN)/python bench/run.py

setup: $(STAMP) system instance/secret_key translations

# Interface catalogs: `make messages` re-extracts the strings into the .po files, `make translations` compiles them.
translations: $(STAMP)
	$(BIN)/pybabel -q compile -d campaign/translations

messages: $(STAMP)
	$(BIN)/pybabel -q extract --no-wrap -F babel.cfg -k _l -k lazy_gettext --project Handbill -o $(VENV)/messages.pot .
	$(BIN)/pybabel -q update --no-wrap -i $(VENV)/messages.pot -d campaign/translations

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

system:
	@scripts/system-deps.sh run

system-test:
	@scripts/system-deps.sh test

instance/secret_key:
	mkdir -p instance
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(48))" > instance/secret_key
	chmod 600 instance/secret_key

db: setup
	$(FLASK) db upgrade
	$(FLASK) library load

clean:
	rm -rf $(VENV) .pytest_cache

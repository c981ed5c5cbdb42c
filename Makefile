VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: demo test lint bench venv

$(VENV)/bin/activate:
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# setup.py builds the optional C speed-ups in place: a changed C file reinstalls.
SOURCES := pyproject.toml setup.py $(wildcard bot/core/*.c)

$(VENV)/.installed-dev: $(SOURCES) $(VENV)/bin/activate
	$(PIP) install -q -e ".[dev]"
	touch $@

$(VENV)/.installed: $(SOURCES) $(VENV)/bin/activate
	$(PIP) install -q -e .
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/coachbot demo

test: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check bot tests
	$(VENV)/bin/mypy bot
	$(VENV)/bin/python -m pytest -q

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check bot tests
	$(VENV)/bin/mypy bot

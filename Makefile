VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: demo test lint bench venv sanitize

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

# The C speed-ups' tests under AddressSanitizer and UndefinedBehaviorSanitizer (gcc), then the
# normal build again.
C_TESTS := tests/core/test_vader_exact.py tests/core/test_classifier_scoring.py \
	tests/core/test_ctext.py tests/core/test_speedups.py
SANITIZE := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

sanitize: $(VENV)/.installed-dev
	$(PIP) install -q "setuptools>=77"  # setup.py build_ext reads pyproject.toml's license field
	CFLAGS="$(SANITIZE)" $(PY) setup.py -q build_ext --inplace --force
	LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=0 COACHBOT_REQUIRE_SPEEDUPS=1 \
	$(PY) -m pytest -q -p no:cacheprovider $(C_TESTS); status=$$?; \
	$(PY) setup.py -q build_ext --inplace --force; exit $$status

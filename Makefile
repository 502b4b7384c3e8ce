# redactor — the two quick-start targets (`make demo`, `make test`) set everything up themselves.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(VENV)/bin/pip

.PHONY: demo test lint bench samples clean man

$(VENV)/.installed-runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-runtime
	$(PIP) install --quiet -e '.[test,spark]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(PIP) install --quiet -e '.[test,spark,bench]'
	touch $@

## Run the main job: two requests over the bundled sample DMV export.
demo: $(VENV)/.installed-runtime
	PATH="$(abspath $(VENV))/bin:$$PATH" bash scripts/demo.sh

## Install what the tests need (Python packages; PostgreSQL and Chromium when missing) and run them.
test: $(VENV)/.installed-test
	bash scripts/system-deps.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -q -p no:cacheprovider

## Benchmarks (on demand, not in CI): `make bench`, or `make bench BENCH_ARGS=--rows=10000000`.
bench: $(VENV)/.installed-bench
	$(PY) -m benchmarks $(BENCH_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Regenerate the committed sample data (deterministic).
samples: $(VENV)/.installed-test
	$(PY) sample_data/generate.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis

## Man pages from the click commands: man/redactor.1 and one page per command
## (`man -l man/redactor-export.1`, or MANPATH="$PWD/man:$MANPATH" man redactor).
man: $(VENV)/.installed-runtime
	$(PY) scripts/man.py man

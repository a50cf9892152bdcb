# Two set-up commands: `make run` and `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: run serve test test-browser test-all screenshots bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TSTAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

run: $(STAMP)
	$(BIN)/gil-tui

# The app in a browser: http://127.0.0.1:8000/ (SERVE_ARGS="--port 0 --open", ...)
serve: $(STAMP)
	$(BIN)/gil-tui serve $(SERVE_ARGS)

# The default suite: everything but the checks marked slow or browser (pyproject addopts),
# in two pytest workers (most tests wait on the processes they start: ~4 min instead of
# ~7 on 2 cores). TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2
test: $(TSTAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

# `gil-tui serve` in a real headless Chromium (skips, saying why, without chromium).
test-browser: $(TSTAMP)
	$(BIN)/python -m pytest -q -m browser

# Everything: the slow checks, the browser check, and the bigger hypothesis profile.
test-all: $(TSTAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) -m ''

# The app's pictures, then the browser's (kept only when its run was quiet and plausible).
screenshots: $(TSTAMP)
	$(BIN)/python scripts/screenshots.py
	GIL_TUI_SCREENSHOT=1 $(BIN)/python -m pytest -q -m browser -k chromium

bench: $(STAMP)
	$(BIN)/python benchmarks/fidelity.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache

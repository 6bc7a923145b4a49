# Two commands: `make run` and `make test`. Each bootstraps .venv from nothing.
# `make run` installs the bot (with its charts); `make test` adds the test tools (pytest, ruff,
# Playwright for the sandbox's browser test), which a newcomer's first run does not wait for.
# `make install` installs the bot without starting it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install run test lint format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[charts]'
	touch $(STAMP)

install: $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,charts]'
	touch $(DEV_STAMP)

# With no Slack app configured, `run` starts the sandbox instead (and says so in one line).
run: $(STAMP)
	$(BIN)/kindness-bot run --or-sandbox

# The documentation site is built strictly first: a broken link or a page left out of the
# navigation fails the run (the site itself goes to build/site, which git ignores).
test: $(DEV_STAMP)
	$(BIN)/ruff check .
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir build/site
	$(BIN)/python -m pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache site

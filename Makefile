# Two commands for a fresh machine: `make lab` (learners) and `make test` (everything, as CI runs it).
# Everything built or downloaded goes under $(CPIN_CACHE) (default ~/.cache/cpin), never into the repo.
SHELL := /bin/bash
PYTHON ?= python3
CPIN_CACHE ?= $(HOME)/.cache/cpin
VENV ?= $(CPIN_CACHE)/venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
PYTEST_ARGS ?=
export CPIN_CACHE
export PATH := $(BIN):/usr/local/go/bin:$(PATH)

.PHONY: lab test setup tools clean-cache

lab: setup  ## Set everything up, start the cluster, open JupyterLab on the first notebook
	$(BIN)/cpin cluster up
	$(BIN)/jupyter lab --notebook-dir=notebooks notebooks/00-prise-en-main/00-prise-en-main.ipynb

test: setup  ## Set everything up and run the whole suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(STAMP) tools

$(STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

tools: $(STAMP)
	$(BIN)/cpin tools ensure

clean-cache:  ## Remove the kit's cache (venv, built tools, images): the next `make` rebuilds it all
	rm -rf $(CPIN_CACHE)

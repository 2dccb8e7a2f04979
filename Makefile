# Two commands for a fresh machine: `make lab` (learners) and `make test` (everything, as CI runs it).
# The Python environment belongs to this checkout (.venv/, ignored by git); what is expensive and shared
# (uv and its download cache, Go caches, built tools, base images) goes under $(CPIN_CACHE), default
# ~/.cache/cpin. Exact Python versions come from requirements.lock (`make lock` recomputes it).
SHELL := /bin/bash
PYTHON ?= python3
CPIN_CACHE ?= $(HOME)/.cache/cpin
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
UV_VERSION := 0.13.8
UV_HOME := $(CPIN_CACHE)/uv-$(UV_VERSION)
UV := $(UV_HOME)/bin/uv
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha256sum | cut -c1-12)
PYTEST_ARGS ?=
export CPIN_CACHE
export UV_CACHE_DIR := $(CPIN_CACHE)/uv-cache
export PATH := $(abspath $(BIN)):/usr/local/go/bin:$(PATH)

.PHONY: lab test setup venv tools lock clean-cache

lab: setup  ## Set everything up, start the cluster, open JupyterLab (in French) on the learner's module 00
	$(BIN)/cpin cluster up
	$(BIN)/cpin lab open

test: setup  ## Set everything up and run the whole suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: venv tools

venv: $(STAMP)  ## This checkout's Python environment, exactly as requirements.lock says

$(UV):
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): $(UV)
	@test -x $(BIN)/python || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	$(UV) pip install --quiet --python $(BIN)/python -r $(LOCK)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

tools: $(STAMP)
	$(BIN)/cpin tools ensure

lock: $(UV)  ## Recompute requirements.lock from pyproject.toml (every platform, Python >= 3.11)
	$(UV) pip compile --quiet --universal --python-version 3.11 --extra dev pyproject.toml -o $(LOCK)

clean-cache:  ## Remove the kit's shared cache (uv, built tools, images archives): the next `make` rebuilds it
	rm -rf $(CPIN_CACHE)

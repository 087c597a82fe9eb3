# Entry points for people and CI. `make test` runs every layer; each layer also runs alone.
# Everything Python lives in .venv (never the system Python); host tools and the Docker engine are
# installed by scripts/ensure-host-tools when missing.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= .venv
PYTHON ?= python3
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
# Scenarios run by `make molecule`: every molecule/*/, MOLECULE_JOBS at a time (scripts/run-molecule);
# `make molecule SCENARIOS=docker` runs one.
MOLECULE_JOBS ?= 2
SCENARIOS ?= $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))

.DEFAULT_GOAL := help
.PHONY: help test venv host images lint build sanity units units-fast functional molecule demo demo-clean clean constraints \
        bench bench-deploy bench-multihost bench-twitter bench-follows promtool

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

test: venv  ## everything: lint, build, sanity, units, functional, Molecule (installs what it needs)
	@scripts/run-tests lint build sanity units functional molecule

venv: $(VENV)/.installed  ## the project's virtualenv with the pinned tool chain
$(VENV)/.installed: requirements/dev.txt requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/dev.txt -c requirements/constraints.txt
	scripts/with-collection-tree true  # links this checkout as fediverse.deploy (see ansible.cfg)
	touch $@

host:  ## host packages and a running Docker engine (installs them as root on Debian/Ubuntu)
	scripts/ensure-host-tools

images: venv host  ## build the offline test images (cached by a hash of their inputs)
	$(BIN)/python tests/images/build.py --save

lint: venv  ## ruff (check and format), yamllint and ansible-lint (production profile), and the alert rules with promtool
	ruff check .
	ruff format --check .
	$(BIN)/python scripts/spare-server check
	yamllint --strict .
	scripts/with-collection-tree ansible-lint --strict
	$(MAKE) --no-print-directory promtool

promtool: venv host  ## the monitoring role's alert rules: promtool check rules + promtool test rules (tests/promtool)
	$(BIN)/python scripts/check-alert-rules

build: venv  ## build the collection tarball, install it offline, resolve every role/module/playbook by FQCN
	scripts/check-collection-build

sanity: venv host  ## ansible-test sanity in a copy of the tree under ansible_collections/
	scripts/with-collection-tree --copy ansible-test sanity --venv --python 3.11 --color no

units: venv host  ## ansible-test units in a copy of the tree under ansible_collections/
	scripts/with-collection-tree --copy ansible-test units --venv --python 3.11 --color no

# Controller-side tests (filters, role files) run in their own process, as ansible-test does: once
# controller code is imported, modules' warnings take the controller's path instead of their result.
units-fast: venv  ## the unit tests with pytest straight from the checkout
	$(BIN)/python -m pytest -q tests/unit/plugins/modules tests/unit/plugins/module_utils
	$(BIN)/python -m pytest -q tests/unit/plugins/filter tests/unit/roles

functional: venv host  ## modules against real API servers (mastodon-mock) on loopback
	$(BIN)/python -m pytest -q tests/functional

molecule: venv images  ## the Molecule scenarios in SCENARIOS (default: all), MOLECULE_JOBS (2) at a time
	scripts/run-molecule $(MOLECULE_JOBS) $(SCENARIOS)

demo: venv images  ## the main job on a local throwaway spare server (see README)
	scripts/demo up

demo-clean: venv  ## remove everything `make demo` made
	scripts/demo down

bench: bench-deploy bench-multihost bench-follows bench-twitter  ## every benchmark (docs/performance.md); not part of `make test`

bench-deploy: venv images  ## benchmark: the deploy playbook on fresh spare servers against a plain-script baseline (RUNS=3)
	$(BIN)/python bench/deploy.py --runs $(or $(RUNS),3)

bench-multihost: venv images  ## benchmark: the split layout of molecule/multihost (4 hosts) against one host, first converge, re-run and upgrade (RUNS=1)
	$(BIN)/python bench/multihost.py --runs $(or $(RUNS),1)

bench-twitter: venv  ## benchmark: Twitter backup parsing, profiles/s and peak memory (100k and 1M profiles)
	$(BIN)/python bench/twitter_handles.py

bench-follows: venv  ## benchmark: mastodon_follows requests against the minimum, against a local API server
	$(BIN)/python bench/mastodon_follows.py

constraints: venv  ## re-pin requirements/constraints.txt from the current venv
	{ echo '# pip freeze of requirements/dev.txt on Python 3.11; regenerate with `make constraints`.'; \
	  $(BIN)/pip freeze --exclude-editable; } > requirements/constraints.txt

clean:  ## remove the venv, caches and build output (test images stay in the engine)
	rm -rf $(VENV) .cache tests/output fediverse-deploy-*.tar.gz

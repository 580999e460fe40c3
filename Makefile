# User commands: make setup | demo | test | lint | bench   (see README.md)
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
BIN         := $(VENV)/bin
PY          := $(BIN)/python
STAMP       := $(VENV)/.installed
COLLECTION  := .collections/ansible_collections/langchain/langsmith_aws
SANITY_ROOT := .cache/sanity/ansible_collections/langchain/langsmith_aws
PLAYBOOKS   := $(wildcard playbooks/*.yml)
PYTEST_ARGS ?=
UNIT_ARGS ?= -n 2
INTEGRATION_ARGS ?= -n 2 --dist loadfile --no-loadscope-reorder --durations=25
BENCH_RUNS ?= 1
BENCH_LATENCY_FACTOR ?= 10
BENCH_SKIP_LATENCY ?= 0

export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help setup demo demo-playbooks test lint unit integration molecule sanity syntax bench lock clean

help:
	@echo "make setup   create .venv (Python >= 3.12, pinned dependencies)"
	@echo "make demo    deploy site.yml to a local AWS emulator (moto) and print the summary"
	@echo "make test    lint + unit + integration (emulator) + molecule"
	@echo "make lint    ansible-lint (production), ruff, syntax-check, ansible-test sanity"
	@echo "make bench   first / no-op / latency-model converges of site.yml on the emulator (docs/PERFORMANCE.md)"

setup: $(STAMP) $(COLLECTION)

$(STAMP): requirements.txt requirements-test.txt constraints.txt tools/find-python.sh
	@py=$$(sh tools/find-python.sh) || exit 1; \
	if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then rm -rf $(VENV); fi; \
	[ -x $(PY) ] || { echo "setup: creating $(VENV) with $$py"; "$$py" -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip==25.2"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt -c constraints.txt
	@touch $(STAMP)

$(COLLECTION):
	@mkdir -p $(dir $(COLLECTION))
	@ln -sfn ../../.. $(COLLECTION)

demo: setup
	$(PY) tools/emulator.py run -- $(MAKE) --no-print-directory demo-playbooks

# The demo's playbooks, against the emulator `demo` started (or AWS_ENDPOINT_URL if set).
demo-playbooks:
	$(PY) tools/demo_seed.py
	$(BIN)/ansible-playbook playbooks/site.yml -i inventories/local
	$(BIN)/ansible-playbook playbooks/validate.yml -i inventories/local
	$(BIN)/ansible-playbook playbooks/diagnostics.yml -i inventories/local

test: lint unit integration molecule

# docs/PERFORMANCE.md: make bench [BENCH_RUNS=3] [BENCH_LATENCY_FACTOR=5] [BENCH_SKIP_LATENCY=1]
bench: setup
	BENCH_RUNS=$(BENCH_RUNS) BENCH_LATENCY_FACTOR=$(BENCH_LATENCY_FACTOR) BENCH_SKIP_LATENCY=$(BENCH_SKIP_LATENCY) \
	  $(PY) tools/bench.py

lint: setup syntax sanity
	$(BIN)/ruff check plugins tests tools
	$(BIN)/ruff format --check plugins tests tools
	$(BIN)/ansible-lint --profile production

syntax: setup
	@for pb in $(PLAYBOOKS); do \
	  $(BIN)/ansible-playbook --syntax-check -i inventories/local $$pb >/dev/null || exit 1; \
	  $(BIN)/ansible-playbook --syntax-check -i inventories/example $$pb >/dev/null || exit 1; \
	done; echo "syntax-check: $(words $(PLAYBOOKS)) playbooks OK"

sanity: setup
	$(PY) tools/sanity.py $(SANITY_ROOT)

unit: setup
	$(BIN)/pytest tests/unit $(UNIT_ARGS) $(PYTEST_ARGS)

integration: setup
	$(BIN)/pytest tests/integration $(INTEGRATION_ARGS) $(PYTEST_ARGS)

molecule: setup
	$(BIN)/molecule test --all

lock:
	rm -rf .cache/lock && $$(sh tools/find-python.sh) -m venv .cache/lock
	.cache/lock/bin/pip install --quiet "pip==25.2" && .cache/lock/bin/pip install --quiet -r requirements-test.txt
	{ echo "# Full transitive pins for requirements*.txt (regenerate with 'make lock')."; \
	  .cache/lock/bin/pip freeze --all | grep -vE '^(pip|setuptools|wheel)=='; } > constraints.txt

clean:
	rm -rf $(VENV) .collections .cache .emulator .pytest_cache .ruff_cache

# Everything a developer or CI runs. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
USER_ID ?= demo
# checkov lives in its own virtualenv: its dependency tree must not move the product's pins.
CHECKOV_VENV := .venv-checkov
CHECKOV_INSTALLED := $(CHECKOV_VENV)/.installed
# The google provider's schema for tests/infra/test_terraform_schema.py: the CDK Terrain bindings
# wheel of the locked provider version, only downloaded (pinned with its hash; the test reads the
# JSON schema inside, no install).
SCHEMA_DIR := .terraform-schema
SCHEMA_INSTALLED := $(SCHEMA_DIR)/.installed
# Variables file for plan/deploy, relative to terraform/.
TFVARS ?= terraform.tfvars
# firebase-tools (the Auth emulator), pinned in package-lock.json; and Debian's Chromium for the
# browser tests (Playwright drives it; it never downloads a browser of its own).
NODE_INSTALLED := node_modules/.installed
# The Local Home SDK app (local-home/): TypeScript typed against @google/local-home-sdk, bundled by
# esbuild to local-home/dist/app.js; its own package.json and lock file.
LOCAL_HOME_INSTALLED := local-home/node_modules/.installed
LOCAL_HOME_BUNDLE := local-home/dist/app.js
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help venv checkov schema node-deps local-home browser-deps run test soak bench check fmt token pin demo speaker support screenshot plan deploy clean

help:
	@echo "make run      local stack: emulators, the four functions, local Google side, demo home,"
	@echo "              its device backend, a LAN bridge with a fake speaker, the Google Home page"
	@echo "make test     unit, integration, end-to-end, browser and fast reliability tests"
	@echo "make soak     the reliability suite's long versions (docs/reliability.md)"
	@echo "make bench    figures against floors measured side by side (docs/performance.md)"
	@echo "make check    ruff, mypy, the import contracts (never edits files); make fmt formats"
	@echo "make token USER_ID=<id>   a fresh access token on the running local stack"
	@echo "make pin USER_ID=<id> PIN=<digits>   set a user's PIN on the running local stack"
	@echo "make demo ARGS='state desk-outlet on=true'   act as a device backend (make demo for help)"
	@echo "make speaker ARGS='dnd on'   act on make run's fake Google Home speaker (make speaker for help)"
	@echo "make support USER_ID=<id>   Firestore against Home Graph for one user on the running local stack"
	@echo "              (ARGS='sync <id>' forces a Request Sync, ARGS='bundle <id>' writes a redacted bundle)"
	@echo "make screenshot   remake docs/local-google-home.png (the Google Home page, on a stack of its own)"
	@echo "make plan / make deploy   terraform plan / apply with terraform/$(TFVARS) (docs/deployment.md)"
	@echo "make node-deps      firebase-tools (Auth emulator) into node_modules/ with npm ci"
	@echo "make local-home     the Local Home SDK app: npm ci, type-check, bundle to $(LOCAL_HOME_BUNDLE)"
	@echo "make browser-deps   Debian's chromium for the browser tests, if $(CHROMIUM) is missing"

$(INSTALLED): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(INSTALLED)

venv: $(INSTALLED)

$(CHECKOV_INSTALLED): requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $(CHECKOV_INSTALLED)

checkov: $(CHECKOV_INSTALLED)

# About 115 MB; the test caches what it reads from them as JSON beside them (about 2 MB).
$(SCHEMA_INSTALLED): requirements-schema.txt
	rm -rf $(SCHEMA_DIR)
	$(PYTHON) -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
		--require-hashes -d $(SCHEMA_DIR) -r requirements-schema.txt
	touch $(SCHEMA_INSTALLED)

schema: $(SCHEMA_INSTALLED)

# --ignore-scripts: the Auth emulator needs none of the tree's install scripts. re2's (an optional
# native module, used only by hosting, with a fallback) tries a GitHub download, then compiles (~45 s).
$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $(NODE_INSTALLED)

node-deps: $(NODE_INSTALLED)

# esbuild ships its binary as an optional dependency (@esbuild/linux-x64): no install script needed.
$(LOCAL_HOME_INSTALLED): local-home/package.json local-home/package-lock.json
	cd local-home && npm ci --no-audit --no-fund --ignore-scripts
	touch $(LOCAL_HOME_INSTALLED)

$(LOCAL_HOME_BUNDLE): $(LOCAL_HOME_INSTALLED) local-home/tsconfig.json $(wildcard local-home/src/*.ts)
	cd local-home && npm run --silent build

local-home: $(LOCAL_HOME_BUNDLE)

browser-deps:
	@if [ ! -x $(CHROMIUM) ]; then \
		$(SUDO) apt-get update -qq && \
		$(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	fi

run: venv node-deps
	$(PY) -m devstack.run

test: venv checkov schema node-deps local-home browser-deps
	cd local-home && node --test test/
	$(PY) -m pytest

# Not part of `make test`: the long reliability runs (docs/reliability.md); prints each test's
# figures and writes them to .soak/reliability-soak.json.
soak: venv node-deps
	$(PY) -m pytest tests/reliability -m soak -s -p no:cacheprovider

# Not part of `make test`: counted costs, ratios to floors measured in the same run, sustained
# rates, the quota simulation; writes .bench/ and draws docs/figures/*.svg.
bench: venv node-deps local-home
	$(PY) -m bench.costs
	$(PY) -m bench.fulfillment
	$(PY) -m bench.simulate_quota --json .bench/quota_simulation.json
	$(PY) -m bench.pipeline_throughput
	$(PY) -m bench.local_execute
	$(PY) -m bench.bridge_budget --json .bench/bridge_budget.json
	$(PY) -m bench.cost_model
	$(PY) -m bench.figures

check: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports
	terraform fmt -check -recursive terraform
	@if [ -d terraform/.terraform ]; then terraform -chdir=terraform validate; fi

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

token: venv
	@$(PY) -m devstack.token "$(USER_ID)"

pin: venv
	@$(PY) -m devstack.pin "$(USER_ID)" "$(PIN)"

demo: venv
	@$(PY) -m devstack.demo $(ARGS)

speaker: venv
	@$(PY) -m devstack.fake_speaker_cli $(ARGS)

# One user's Firestore against Home Graph on the running local stack (ops/support.py; on Google
# Cloud: python -m ops.support show USER --project P, docs/operations.md).
support: venv
	@$(PY) -m ops.support $(if $(ARGS),$(ARGS),show $(USER_ID)) --local

# The README's picture of the local Google Home page: a short tour on a stack of its own.
screenshot: venv node-deps browser-deps
	$(PY) -m devstack.screenshot

plan:
	terraform -chdir=terraform init -input=false
	terraform -chdir=terraform plan -input=false -var-file=$(TFVARS)

deploy:
	terraform -chdir=terraform init -input=false
	terraform -chdir=terraform apply -input=false -var-file=$(TFVARS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache node_modules .bench local-home/node_modules local-home/dist

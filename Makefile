# Two entry points on a fresh machine: `make build` and `make test`. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := build
SOURCES := $(shell find templates-src deploy -name '*.ts' 2>/dev/null)
STAMP_DEPS := node_modules/.xacct-installed
STAMP_LIB := lib/.xacct-built

.PHONY: build test typecheck jest lint bench clean

# npm ci when node_modules is missing or older than the lockfile. npm ci refuses a lockfile that
# lacks other platforms' optional binaries (this registry serves only some of them); then the
# locked versions are installed with `npm install --no-save`, which leaves the lockfile untouched.
$(STAMP_DEPS): package-lock.json package.json
	npm ci --no-audit --no-fund || npm install --no-save --no-audit --no-fund
	@touch $@

$(STAMP_LIB): $(STAMP_DEPS) $(SOURCES) tsconfig.json tsconfig.build.json
	npx --no-install tsc -p tsconfig.build.json
	@touch $@

build: $(STAMP_LIB)
	node lib/deploy/cli.js build --out dist

typecheck: $(STAMP_DEPS)
	npx --no-install tsc --noEmit -p tsconfig.json

jest: $(STAMP_DEPS)
	npx --no-install jest --ci --json --outputFile=.jest-results.json

test: typecheck jest

# dist/, then every template fixture (those under broken/ must be rejected by the rules they name),
# then the access-path proofs (iam-simulate is AGPL: a development dependency, used only in test/).
lint: $(STAMP_LIB)
	node lib/deploy/cli.js lint --dir dist
	node lib/deploy/cli.js lint --dir test/fixtures --fixtures
	npx --no-install jest --ci test/lint/access-paths

bench: $(STAMP_LIB)
	npx --no-install tsc -p tsconfig.bench.json
	NODE_NO_WARNINGS=1 node lib/bench/run.js

clean:
	rm -rf lib .jest-results.json

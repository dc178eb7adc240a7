# Two entry points on a fresh machine: `make build` and `make test`. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := build
SOURCES := $(shell find templates-src deploy -name '*.ts' 2>/dev/null)
STAMP_DEPS := node_modules/.xacct-installed
STAMP_LIB := lib/.xacct-built

.PHONY: build test typecheck style jest lint bench clean

# npm ci when node_modules is missing or older than the lockfile. npm ci refuses a lockfile that
# lacks other platforms' optional binaries (this registry serves only some of them); then the
# locked versions are installed with `npm install --no-save`, which leaves the lockfile untouched.
# npm ci's output goes to $(NPM_CI_LOG): its refusal is tens of `npm error` lines, and one line says enough.
NPM_CI_LOG := npm-ci.log
$(STAMP_DEPS): package-lock.json package.json
	@echo 'npm ci (output in $(NPM_CI_LOG))'
	@npm ci --no-audit --no-fund >$(NPM_CI_LOG) 2>&1 || { \
	  why=$$({ grep -m1 -E '^npm error (Missing|Invalid): ' $(NPM_CI_LOG) || grep -m1 -E '^npm error .{20,}' $(NPM_CI_LOG); } | cut -c11-110); \
	  echo "npm ci refused ($$why; all of it in $(NPM_CI_LOG)): installing the locked versions with npm install --no-save"; \
	  npm install --no-save --no-audit --no-fund; }
	@touch $@

# The engine bundle (lib/deploy/rollout/xacct-engine.js): the one file the pipeline's CodeBuild actions run.
$(STAMP_LIB): $(STAMP_DEPS) $(SOURCES) deploy/rollout/bundle.mjs tools/prune-lib.mjs tsconfig.json tsconfig.build.json
	npx --no-install tsc -p tsconfig.build.json
	node tools/prune-lib.mjs
	node lib/deploy/cli.js --help > lib/deploy/help.txt
	node deploy/rollout/bundle.mjs
	@touch $@

build: $(STAMP_LIB)
	node lib/deploy/cli.js build --out dist

typecheck: $(STAMP_DEPS)
	npx --no-install tsc --noEmit -p tsconfig.json

# Formatting is Prettier's (.prettierrc.json, 160 columns); typescript-eslint's recommended rules (eslint.config.mjs).
# `npx prettier --write '**/*.{ts,js,mjs}'` fixes the first.
style: $(STAMP_DEPS)
	npx --no-install prettier --check --log-level warn '**/*.{ts,js,mjs}'
	npx --no-install eslint --max-warnings 0 .

# test/support/timed-environment.js records every test's time and timeout in .jest-timings/.
jest: $(STAMP_DEPS)
	@rm -rf .jest-timings
	npx --no-install jest --ci --json --outputFile=.jest-results.json

# The wall time of both steps goes to .jest-timings/make-test.json (bench/test-times.ts reports it).
test: $(STAMP_DEPS)
	@start=$$(date +%s%N); $(MAKE) --no-print-directory typecheck && $(MAKE) --no-print-directory style; rc=$$?; typed=$$(date +%s%N); \
	if [ $$rc -eq 0 ]; then $(MAKE) --no-print-directory jest; rc=$$?; fi; \
	mkdir -p .jest-timings; \
	echo "{\"wallMs\": $$(( ($$(date +%s%N) - start) / 1000000 )), \"typecheckMs\": $$(( (typed - start) / 1000000 )), \"exit\": $$rc}" > .jest-timings/make-test.json; \
	exit $$rc

# dist/, then every template fixture (those under broken/ must be rejected by the rules they name),
# then the access-path proofs (iam-simulate is AGPL: a development dependency, used only in test/).
lint: $(STAMP_LIB)
	node lib/deploy/cli.js lint --dir dist
	node lib/deploy/cli.js lint --dir test/fixtures --fixtures
	npx --no-install jest --ci test/lint/access-paths test/lint/deployer-policy

# Writes bench/results.md; runs `make test` for its timings (BENCH_TESTS=last: the last run's).
bench: $(STAMP_LIB)
	npx --no-install tsc -p tsconfig.bench.json
	NODE_NO_WARNINGS=1 node lib/bench/run.js

clean:
	rm -rf lib .jest-results.json .jest-timings $(NPM_CI_LOG)

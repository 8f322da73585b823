# irc: `make compile [MODEL=gen.npz] [OUT=out/gen]` and `make test`. Both run `make setup` first.
PY      := .venv/bin/python
MODEL   ?= examples/dcgan/gen.npz
OUT     ?= out/$(basename $(notdir $(MODEL)))
ARGS    ?=

.PHONY: setup compile test bench clean

setup: .venv/.irc-setup node_modules/.irc-setup build/kerasjs-irc/.irc-setup /usr/bin/chromium

# The browser tests drive Debian's chromium with playwright-core (Playwright's own browser
# download does not work on these machines).
/usr/bin/chromium:
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(if $(filter 0,$(shell id -u)),,sudo -E) apt-get install -y -q chromium

# Chainer 7.8.1 is an sdist whose setup.py imports pkg_resources and distutils: it is built
# without isolation, against the venv's setuptools<70 (kept there: chainer needs it at import).
# torch 2.13.0 (the CPU wheel on this machine's disk; any other spec downloads a CUDA build)
# asks setuptools>=77 in its metadata but does not import it to run or export: it goes in
# last, with --no-deps, and its real runtime deps are pinned in requirements.txt (so does
# onnx2keras, the peer converter `make bench` measures, which names `tensorflow`, not -cpu).
.venv/.irc-setup: requirements.txt requirements-nodeps.txt pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --disable-pip-version-check "setuptools<70" wheel numpy==1.26.4
	$(PY) -m pip install -q --disable-pip-version-check --no-build-isolation chainer==7.8.1
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(PY) -c "import chainer, torch, onnxscript"
	touch $@

node_modules/.irc-setup: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# irc's Keras.js build (irc/targets/kerasjs/irc_kerasjs/README.md), which the page, `irc run` and
# the tests run by default: esbuild and wabt are pinned, so the same sources give the same bytes.
# Every .js there is a prerequisite (the build's own sources and its checks alike).
IRC_KERASJS := irc/targets/kerasjs/irc_kerasjs
build/kerasjs-irc/.irc-setup: node_modules/.irc-setup $(wildcard $(IRC_KERASJS)/*.js)
	node $(IRC_KERASJS)/build.js build/kerasjs-irc
	touch $@

# --force: re-running `make compile` replaces the previous result (atomically).
compile: setup
	$(PY) -m irc compile $(MODEL) -o $(OUT) --force $(ARGS)

# Lint first (fails fast), then the suite on JOBS pytest-xdist workers: tests/conftest.py keeps
# the tests that share a module's fixtures in one worker (--dist loadgroup). JOBS=0: serially.
JOBS    ?= 2
test: setup
	$(PY) -m ruff check irc passes tests examples
	IRC_SLOW_TESTS=1 $(PY) -m pytest -q -n $(JOBS) --dist loadgroup --durations=15 tests

bench: setup
	$(PY) tests/benchmarks/compile_benchmark.py
	$(PY) tests/benchmarks/format_benchmark.py
	$(PY) tests/benchmarks/runtime_benchmark.py
	$(PY) tests/benchmarks/memory_benchmark.py
	$(PY) tests/benchmarks/optimize_benchmark.py

clean:
	rm -rf out build .pytest_cache

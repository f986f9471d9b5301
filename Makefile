# rlcli developer tasks. Every target sets itself up: a fresh machine needs only python3.11 + pip.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The benchmark's reference (Stable-Baselines3 + RL-Zoo3) lives in its own venv, never in rlcli's.
BENCH_VENV  := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed
# torch first, pinned: pip then takes the local CPU wheel instead of several GB of CUDA packages.
TORCH  := torch==2.13.0
PYTEST_ARGS ?=
comma := ,
# Two workers, a test file each at a time (its module fixtures train once): most of a test's wall
# time is Ray and the trial actors starting, so the 2 cores are idle half the time run one by one.
# (loadfile, not loadgroup: under pytest 9 xdist's loadgroup no longer groups anything, and every
# module fixture trained on both workers. Session fixtures shared by files: tests/integration/conftest.py.)
PYTEST_PARALLEL ?= -n 2 --dist loadfile

.PHONY: install test test-fast demo bench race profile tuned lint type docs format clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check $(TORCH)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# The whole suite; the 20 slowest tests are listed at the end so that they stay visible.
test: install
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) --durations=20 $(PYTEST_ARGS)

# The edit-test loop: the unit and CLI layers (no training, no Ray cluster), well under 90 s.
test-fast: install
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) tests/unit tests/cli $(PYTEST_ARGS)

demo: install
	$(BIN)/python benchmarks/demo.py

bench: install $(BENCH_STAMP)
	$(BIN)/python benchmarks/run_all.py

# The training race alone: ROWS="sac-pendulum dqn-cartpole" SEEDS="0" for some (default: all rows, seeds 0,1,2).
ROWS  ?=
SEEDS ?= 0,1,2
race: install $(BENCH_STAMP)
	$(BIN)/python benchmarks/race.py --rows "$(subst $(eval) ,$(comma),$(ROWS))" --seeds "$(SEEDS)"

# Where a trial's training time goes (py-spy on the tuned example in --local-mode): make profile ALGO=SAC
ALGO ?= SAC
PROFILE_SECONDS ?= 40
profile: install
	$(BIN)/python benchmarks/profile_trial.py $(ALGO) --seconds $(PROFILE_SECONDS)

$(BENCH_STAMP): benchmarks/requirements-sb3.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q --disable-pip-version-check $(TORCH)
	$(BENCH_VENV)/bin/pip install -q --disable-pip-version-check -r benchmarks/requirements-sb3.txt
	touch $(BENCH_STAMP)

# Each tuned example to its target; writes tuned_examples/RESULTS.md (EXAMPLES="a b" for some).
tuned: install
	$(BIN)/python benchmarks/tuned.py $(EXAMPLES)

# The pages that carry generated --help blocks (cog markers; docs/cog_help.py writes them).
DOCS := README.md $(wildcard docs/*.md)

lint: install
	$(BIN)/ruff check rlcli tests benchmarks tuned_examples docs
	$(BIN)/ruff format --check rlcli tests benchmarks tuned_examples docs
	$(BIN)/mypy
	$(BIN)/cog --check --diff --check-fail-msg "run 'make docs'" --verbosity=1 -I docs $(DOCS)

# Types alone (make lint runs them too).
type: install
	$(BIN)/mypy

# Regenerate every --help block in the docs from the real CLI (make lint checks they are current).
docs: install
	$(BIN)/cog -r --verbosity=1 -I docs $(DOCS)

format: install
	$(BIN)/ruff format rlcli tests benchmarks docs
	$(BIN)/ruff check --fix rlcli tests benchmarks docs

clean:
	rm -rf $(VENV) $(BENCH_VENV) build dist *.egg-info .pytest_cache .ruff_cache

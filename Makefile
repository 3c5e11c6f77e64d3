# The two commands of the README: `make site` and `make test`. Both create a
# virtual environment in .venv and install the package into it first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: site serve test bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The demo portal's site, in site/. Set AS_OF=YYYY-MM-DD for a reproducible build.
site: $(BIN)/.installed
	$(BIN)/okr-portal build $(if $(AS_OF),--as-of $(AS_OF))

serve: $(BIN)/.installed
	$(BIN)/okr-portal serve

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) site .okr-portal bench-out .pytest_cache

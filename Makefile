# The two commands of the README: `make site` and `make test`. Both create a
# virtual environment in .venv and install the package into it first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: site test bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Until the site stage lands, `make site` validates the demo portal and prints
# its status table.
site: $(BIN)/.installed
	$(BIN)/okr-portal validate
	$(BIN)/okr-portal status

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) site bench-out .pytest_cache

# The two commands of the README: `make site` and `make test`. Both create a
# virtual environment in .venv and install the package into it first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: site serve test bench audit dist clean catalogs

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

# The browser suite's axe-core and `make audit`'s Lighthouse 12, from npm (needs Node).
NODE_DEPS := tests/browser/node_modules/.installed

$(NODE_DEPS): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the browser suite (tests/test_a11y.py) needs Node.js and npm"; fi

# Two workers, each taking whole test files (their module fixtures build a site once): the
# suite stays under 10 minutes on 2 cores.
test: $(BIN)/.installed $(NODE_DEPS)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=15

# The sdist and the wheel, in dist/ (python -m build makes the wheel from the sdist,
# so a file the sdist leaves out is missing from the wheel too).
dist: $(BIN)/.installed
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

# The product's own words: site_builder/locale/okr-portal.pot regenerated from the message keys the
# code and templates use (the English is written in the .pot), and each language's .po updated
# from it (changed English becomes fuzzy). See tools/catalogs.py.
catalogs: $(BIN)/.installed
	$(BIN)/python tools/catalogs.py

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench.py

# Lighthouse on the demo's home, an objective, a metric and an embed page; reports in audit-out/
audit: $(BIN)/.installed $(NODE_DEPS)
	$(BIN)/python tests/browser/audit.py

clean:
	rm -rf $(VENV) site .okr-portal bench-out audit-out .pytest_cache dist

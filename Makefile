# zhiyuan: `make run` sets everything up and serves the demo city; `make test` runs the suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: install install-run run test lint bench bench-full messages clean

# Two stamps, each installing once (and again when pyproject.toml changes): what running needs
# (the platform and its runtime dependencies), then what the tests and lint add (the dev extra).
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

$(BIN)/python:
	@echo "==> Creating the virtualenv $(VENV)/"
	@$(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create a virtualenv. On Debian/Ubuntu: sudo apt-get install python3-venv"; exit 1; }

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Installing the platform and what it runs on into $(VENV)/ (the first time: a minute or two)"
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -e .
	@touch $@

$(DEV_STAMP): $(RUN_STAMP)
	@echo "==> Installing the test and lint tools into $(VENV)/"
	@$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $@

# Browser libraries (ECharts) from package-lock.json; the project serves them itself, no CDN.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { \
	  echo "npm is needed for the browser libraries. On Debian/Ubuntu: sudo apt-get install nodejs npm"; exit 1; }
	@echo "==> Installing the browser libraries into node_modules/"
	@npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# What `make run` needs. The PDF font: Noto Sans CJK SC from its Python package, converted once
# to TrueType outlines (ReportLab embeds no others) into var/fonts/; a no-op when it is there.
install-run: $(RUN_STAMP) node_modules/.package-lock.json
	@echo "==> Checking the PDF font (the first time it is converted: about half a minute)"
	@$(BIN)/python -m zhiyuan.common.pdf_fonts "$${PDF_FONT_DIR:-$${VAR_DIR:-var}/fonts}"

# Everything: what running needs, and the test and lint tools (CI runs this).
install: install-run $(DEV_STAMP)

run: install-run
	@DEBUG=$${DEBUG:-1} ./scripts/run-embedded

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/check-private-names
	./scripts/check-messages

# Benchmarks (docs/benchmarks.md): `make bench` runs CI-sized data (BENCH_QUICK=1), `make bench-full`
# (or `make bench MODE=full`) the sizes of the budgets; BENCH=roster runs only some.
MODE ?= quick
bench: install-run
	$(BIN)/python benchmarks/run.py --$(MODE) $(BENCH)

bench-full: install-run
	$(BIN)/python benchmarks/run.py --full $(BENCH)

messages: install-run
	cd src/zhiyuan && ../../$(BIN)/zhiyuan makemessages -l zh_Hans -l en --no-obsolete --no-location -i "migrations/*" && ../../$(BIN)/zhiyuan compilemessages

clean:
	rm -rf $(VENV) var build *.egg-info

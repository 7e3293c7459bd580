# zhiyuan: `make run` sets everything up and serves the demo city; `make test` runs the suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: install run test lint bench messages clean

$(BIN)/zhiyuan: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create a virtualenv. On Debian/Ubuntu: sudo apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $@

# Browser libraries (ECharts) from package-lock.json; the project serves them itself, no CDN.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { \
	  echo "npm is needed for the browser libraries. On Debian/Ubuntu: sudo apt-get install nodejs npm"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# The PDF font: Noto Sans CJK SC from its Python package, converted once to TrueType outlines
# (ReportLab embeds no others) into var/fonts/; a no-op when it is there.
install: $(BIN)/zhiyuan node_modules/.package-lock.json
	@$(BIN)/python -m zhiyuan.common.pdf_fonts "$${PDF_FONT_DIR:-$${VAR_DIR:-var}/fonts}"

run: install
	DEBUG=$${DEBUG:-1} ./scripts/run-embedded

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/check-private-names
	./scripts/check-messages

bench: install
	$(BIN)/python benchmarks/run.py

messages: install
	cd src/zhiyuan && ../../$(BIN)/zhiyuan makemessages -l zh_Hans -l en --no-obsolete --no-location -i "migrations/*" && ../../$(BIN)/zhiyuan compilemessages

clean:
	rm -rf $(VENV) var build *.egg-info

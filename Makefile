# `make demo` and `make test` work on a fresh machine: they create .venv and install
# what they need first. Everything the project needs is installed here, nothing by hand.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO   := out/demo
SAMPLE := examples/guangzhou-psb-targets.txt
NEXT_YEAR := examples/generated-2024-targets.txt
# the demo database's own users (nowhere else)
DEMO_PASSWORD := jixiao-demo

.PHONY: install demo test lint bench clean test-tools docs

install: $(STAMP) node_modules/.installed-stamp

# the web pages' front-end libraries (package.json, locked in package-lock.json), from the
# npm registry into node_modules/, served by jixiao serve; never copied into the repository
node_modules/.installed-stamp: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || \
		{ apt-get update -q && apt-get install -y -q nodejs npm; }
	npm ci --no-audit --no-fund --loglevel=error --ignore-scripts
	@touch $@

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "jixiao needs Python >= 3.11"'
	@# for the published PDFs: a CJK font, and HarfBuzz's subsetter that WeasyPrint uses to
	@# embed only the glyphs used (Debian's packages; root installs them when missing)
	@{ fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" && \
	   ldconfig -p | grep -q libharfbuzz-subset; } || \
		{ apt-get update -q && apt-get install -y -q fonts-wqy-microhei libharfbuzz-subset0; }
	@# the house styles of tests/pdfstyles.py: serif and sans CJK fonts of other producers
	@{ fc-list 2>/dev/null | grep -qi "Noto Serif CJK" && fc-list | grep -qi "WenQuanYi Zen Hei"; } || \
		{ apt-get update -q && apt-get install -y -q fonts-noto-cjk fonts-wqy-zenhei; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

demo: install
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	COLUMNS=$${COLUMNS:-120} $(BIN)/jixiao ingest --db $(DEMO)/jixiao.sqlite --year 2023 $(SAMPLE)
	COLUMNS=$${COLUMNS:-120} $(BIN)/jixiao ingest --db $(DEMO)/jixiao.sqlite $(NEXT_YEAR)
	$(BIN)/jixiao read $(SAMPLE) --format json > $(DEMO)/guangzhou-psb.json
	@# forms other offices publish: a 井研县 project list in 元, a 青神县 自评表 one cell per line
	COLUMNS=$${COLUMNS:-120} $(BIN)/jixiao read examples/forms/jingyan-mata-2023-project-list.txt | head -n 16
	$(BIN)/jixiao read examples/forms/jingyan-mata-2023-project-list.txt --format json > $(DEMO)/form-jingyan.json
	$(BIN)/jixiao read examples/forms/qingshen-fagai-2023-self-evaluation.txt --format json > $(DEMO)/form-qingshen.json
	COLUMNS=$${COLUMNS:-120} $(BIN)/jixiao targets $(SAMPLE) > $(DEMO)/target-forms.txt
	$(BIN)/jixiao audit $(SAMPLE) | tail -n 1
	$(BIN)/jixiao audit $(SAMPLE) --format xlsx -o $(DEMO)/review.xlsx
	$(BIN)/jixiao publish $(SAMPLE) -o $(DEMO)/targets-table.pdf
	$(BIN)/jixiao publish $(SAMPLE) -o $(DEMO)/targets-table.xlsx
	$(BIN)/jixiao actuals template $(SAMPLE) -o $(DEMO)/actuals-2023.xlsx --generate 2023
	$(BIN)/jixiao actuals import $(DEMO)/actuals-2023.xlsx --doc 1 --db $(DEMO)/jixiao.sqlite | tail -n 1
	$(BIN)/jixiao score $(SAMPLE) --actuals $(DEMO)/actuals-2023.xlsx -o $(DEMO)/self-evaluation.xlsx | tail -n 2
	$(BIN)/jixiao score $(SAMPLE) --actuals $(DEMO)/actuals-2023.xlsx -o $(DEMO)/self-evaluation.pdf | tail -n 1
	$(BIN)/jixiao monitor $(SAMPLE) --actuals $(DEMO)/actuals-2023.xlsx --date 2023-07-31 -o $(DEMO)/monitoring-2023-07-31.pdf | tail -n 2
	COLUMNS=$${COLUMNS:-120} $(BIN)/jixiao compare indicator 系统故障率 --db $(DEMO)/jixiao.sqlite --xlsx $(DEMO)/compare-indicator.xlsx --chart $(DEMO)/compare-indicator.svg
	JIXIAO_PASSWORD=$(DEMO_PASSWORD) $(BIN)/jixiao users add admin --role admin --db $(DEMO)/jixiao.sqlite
	JIXIAO_PASSWORD=$(DEMO_PASSWORD) $(BIN)/jixiao users add psb --role department --department 广州市公安局 --db $(DEMO)/jixiao.sqlite
	COLUMNS=$${COLUMNS:-120} $(BIN)/jixiao compare project 指挥调度系统运维项目（2022） --db $(DEMO)/jixiao.sqlite --xlsx $(DEMO)/compare-project.xlsx
	@echo
	@echo "Results are in $(DEMO)/:"
	@echo "  $(DEMO)/jixiao.sqlite       the SQLite store (open it with sqlite3 or any SQLite tool)"
	@echo "  $(DEMO)/guangzhou-psb.json  the table as interchange JSON, targets parsed"
	@echo "  $(DEMO)/target-forms.txt    every target form of the table with its parse"
	@echo "  $(DEMO)/form-jingyan.json   a 井研县 project list (元) read by the form reader (and form-qingshen.json: a 自评表)"
	@echo "  $(DEMO)/review.xlsx         the review: every finding, a column for 审核意见"
	@echo "  $(DEMO)/targets-table.pdf   the official table again, A4 landscape (and .xlsx)"
	@echo "  $(DEMO)/actuals-2023.xlsx   a generated year of results, as a department fills it"
	@echo "  $(DEMO)/self-evaluation.pdf the 项目支出绩效自评表 of every project (and .xlsx)"
	@echo "  $(DEMO)/monitoring-2023-07-31.pdf  the 绩效运行监控表 at the end of July"
	@echo "  $(DEMO)/compare-indicator.xlsx  系统故障率 across 2023 and 2024, outliers marked (.svg: chart)"
	@echo "  $(DEMO)/compare-project.xlsx    one project 2023 → 2024: targets raised, lowered, copied"
	@echo "The web app:  $(BIN)/jixiao serve --db $(DEMO)/jixiao.sqlite"
	@echo "              then open http://127.0.0.1:8000/ and sign in as admin / $(DEMO_PASSWORD)"
	@echo "              (a department's view: psb / $(DEMO_PASSWORD), 广州市公安局)"
	@echo "Look around:  $(BIN)/jixiao show --db $(DEMO)/jixiao.sqlite 1 41"
	@echo "              $(BIN)/jixiao audit $(SAMPLE) --details"

lint: install
	$(BIN)/ruff check src tests benchmarks tools

# docs/cli.md from the commands' --help (tests/test_docs.py checks it is current)
docs: install
	$(BIN)/python tools/cli_reference.py > docs/cli.md

# what only the tests need: LibreOffice makes PDFs "from another producer"; PostgreSQL's
# server, which the tests start themselves (initdb into a temporary directory); Chromium
test-tools:
	@command -v soffice >/dev/null 2>&1 || \
		{ apt-get update -q && apt-get install -y -q --no-install-recommends libreoffice-calc-nogui; }
	@# Writer too: forms rendered as .docx are printed to PDF by LibreOffice in the tests
	@dpkg -s libreoffice-writer-nogui >/dev/null 2>&1 || \
		{ apt-get update -q && apt-get install -y -q --no-install-recommends libreoffice-writer-nogui; }
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		{ apt-get update -q && apt-get install -y -q postgresql; }
	@# the browser of the end-to-end tests (Playwright drives it by its executable path)
	@command -v chromium >/dev/null 2>&1 || \
		{ apt-get update -q && apt-get install -y -q chromium; }
	@command -v pdftotext >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q poppler-utils; }

test: lint test-tools
	$(BIN)/python -m pytest

bench: install
	@command -v wrk >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q wrk; }
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		{ apt-get update -q && apt-get install -y -q postgresql; }
	$(BIN)/python benchmarks/bench_read.py
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_targets.py
	$(BIN)/python benchmarks/bench_audit.py
	$(BIN)/python benchmarks/bench_pdf.py
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_bulk.py --docs 1000
	$(BIN)/python benchmarks/bench_web.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis

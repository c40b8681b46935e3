# Papershelf.  `make build` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
SEEDS  ?= ../shared/seeds

.PHONY: build test serve check lint bench bench-search bench-ingest seed clean browsers

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(TSTAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

build: $(STAMP)            ## regenerate the site from content/ into site/
	$(BIN)/papershelf build --content content --site-dir site

serve: $(STAMP)            ## preview with live reload on http://127.0.0.1:8000
	$(BIN)/papershelf serve --content content

check: $(STAMP)            ## validate every record
	$(BIN)/papershelf check --content content

browsers:                  ## Chromium for the browser tests (Debian package)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

test: $(TSTAMP) browsers   ## the whole suite: lint, types, units, golden site, browser
	$(BIN)/ruff check generator tests
	$(BIN)/mypy generator
	$(BIN)/pytest -n 2

lint: $(TSTAMP)
	$(BIN)/ruff check generator tests
	$(BIN)/mypy generator

hugo:                      ## Hugo, a peer in the build benchmark only (Debian package)
	@command -v hugo >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq hugo >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq hugo >/dev/null; fi; } || true

bench: $(TSTAMP) hugo      ## build-speed benchmark against the bare MkDocs floor and Hugo
	$(BIN)/python -m bench.build_bench $(BENCH_ARGS)

bench-search: $(TSTAMP) browsers  ## search benchmark against material search and Pagefind
	$(BIN)/python -m bench.search_bench

bench-ingest: $(TSTAMP)    ## ingest benchmark: 71k-paper ACL tarball and 9.5k-entry RFC BibTeX
	$(BIN)/python -m bench.ingest_bench

seed: $(STAMP)             ## re-create content/ from the seed pages in ../shared/seeds
	$(BIN)/papershelf ingest hf-daily $(SEEDS)/001_*.txt $(SEEDS)/002_*.txt $(SEEDS)/004_*.txt --content content
	$(BIN)/papershelf ingest profile $(SEEDS)/000_*.txt --content content
	$(BIN)/papershelf ingest hf-search $(SEEDS)/003_*.txt --content content

clean:
	rm -rf site .site.* .papershelf-trash-* build .pytest_cache

# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUNS ?= 20000

.PHONY: install demo test typecheck bench scale eval report notebooks clean

install: $(VENV)/.installed orcaops/query/_lalr.py

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# The search parser's tables, built once from grammar.lark (orcaops/query/standalone.py).
orcaops/query/_lalr.py: orcaops/query/grammar.lark orcaops/query/build_parser.py $(VENV)/.installed
	$(BIN)/python -m orcaops.query.build_parser
	$(BIN)/python -m compileall -q orcaops  # bytecode even where PYTHONDONTWRITEBYTECODE is set

# A realistic history, a real job, and a search over both.
demo: install
	$(BIN)/orcaops demo --runs $(RUNS)
	$(BIN)/orcaops run --tag demo --intent "First real job" -- $(PY) -c "import platform; print('hello from', platform.node()); print('WARNING: this is only a demo')"
	$(BIN)/orcaops runs search "status:failed image:python* after:-7d" --limit 10 --facets

typecheck: install
	$(BIN)/mypy

# Two workers: the CI machine has two cores (tests/conftest.py keeps shared fixtures together).
TEST_WORKERS ?= 2

test: install typecheck
	$(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup

# A self-contained HTML page of the last 30 days (open it in any browser, no network needed).
report: install
	$(BIN)/orcaops report --output report.html --since 30d

# The notebooks in notebooks/ in JupyterLab (installed on first use).
notebooks: install
	$(BIN)/pip install -q jupyterlab
	$(BIN)/jupyter lab notebooks/

# ripgrep is the log-search baseline: installed here when missing (Debian's package, as root).
bench: install
	command -v rg >/dev/null 2>&1 || sh .ci/apt-install.sh bench ripgrep
	$(BIN)/python -m bench

# How far one machine goes: 100k, 1M and 10M runs on DuckDB and Daft (docs/SCALE.md; 1-1.5 h
# with the builds, ~2.6 GB in bench/.data/).
scale: install
	$(BIN)/python -m bench.scale

# Accuracy on the real third-party dev data in ../shared/eval/dev, beside its baselines.
eval: install
	$(BIN)/python -m bench.eval

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache

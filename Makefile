# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test install lint types unit browser bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,shadow,load]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(PY) -m harness demo

# Headless Chromium checks the HTML report as a person would see it. Installed from
# Debian when we can (root + apt); otherwise the browser tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ; } || \
	  echo "note: chromium not installed; browser tests will be skipped"

lint: install
	$(VENV)/bin/ruff check harness tests bench
	$(VENV)/bin/ruff format --check harness tests bench

types: install
	$(VENV)/bin/mypy

test: install browser lint types
	$(VENV)/bin/pytest -n 2

# The fast tier alone (tests/unit): seconds, no servers.
unit: install
	$(VENV)/bin/pytest -n 2 -m unit tests/unit

bench: install
	@for b in bench/[!_]*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) reports/*/ .mypy_cache .ruff_cache

# The two commands a newcomer needs: `make run` and `make test`. Both set up .venv first, with
# the Xapian extra, at the versions of constraints.txt; as root (CI) they also install Debian's
# build-essential and python3-dev (the C compiler and headers that build the memory index's
# scorer, setup.py),
# xapian-tools (xapian-tcpsrv, which the remote-shard tests run) and systemd's systemd-analyze
# (the unit's test) when missing. Not root: `sudo apt-get install build-essential xapian-tools`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
# The same install as the container image's (Dockerfile), plus the dev extra.
PIP_INSTALL := pip install --quiet -c constraints.txt

.PHONY: run test lint stress constraints clean

$(STAMP): pyproject.toml constraints.txt setup.py retrieval/index/_memory.c retrieval/answer/_windows.c
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		missing=""; \
		command -v cc >/dev/null || missing="$$missing build-essential"; \
		[ -e "$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ] \
			|| missing="$$missing python3-dev"; \
		command -v xapian-tcpsrv >/dev/null || missing="$$missing xapian-tools"; \
		command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
		if [ -n "$$missing" ]; then apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi; fi
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/$(PIP_INSTALL) -e '.[dev,xapian]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/python -m bot

test: $(STAMP)
	$(VENV)/bin/python -m pytest

# The linter and the type checker, as configured in pyproject.toml.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# The bot process under load and faults (tests/test_stress.py): about three minutes.
stress: $(STAMP)
	$(VENV)/bin/python -m pytest -n 0 -m stress -s tests/test_stress.py

# constraints.txt again from the newest versions pyproject.toml allows, in a fresh environment.
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/pip install --quiet --upgrade pip
	.venv-constraints/bin/pip install --quiet -e '.[dev,xapian]'
	{ sed -n '/^#/p' constraints.txt; .venv-constraints/bin/pip freeze --exclude-editable; } \
		> constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .venv-constraints

clean:
	rm -rf $(VENV)

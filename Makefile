# The two commands a newcomer needs: `make run` and `make test`. Both set up .venv first, with
# the Xapian extra; as root (CI) they also install Debian's xapian-tools (xapian-tcpsrv, which
# the remote-shard tests run) when it is missing. Not root: `sudo apt-get install xapian-tools`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test stress clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev,xapian]'
	@if ! command -v xapian-tcpsrv >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xapian-tools >/dev/null; fi
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/python -m bot

test: $(STAMP)
	$(VENV)/bin/python -m pytest

# The bot process under load and faults (tests/test_stress.py): about three minutes.
stress: $(STAMP)
	$(VENV)/bin/python -m pytest -n 0 -m stress -s tests/test_stress.py

clean:
	rm -rf $(VENV)

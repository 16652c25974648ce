"""`python -m bot`: the command line, see bot/terminal/cli.py."""

import sys

from .terminal.cli import main

sys.exit(main())

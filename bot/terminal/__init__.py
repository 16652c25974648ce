"""The command line: `python -m bot ask|chat|run|eval`, the bot's local face."""

"""The log: one line per record on stderr, with its time, level, logger and message; as JSON
objects with LOG_FORMAT=json, for log shippers (python-json-logger)."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The same fields, named as log shippers (Loki, Elasticsearch, journald's JSON) expect them.
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_NAMES = {"asctime": "time", "levelname": "level", "name": "logger"}


def configure_logging(level: str, log_format: str) -> None:
    """Sends every log record to stderr, as text or JSON, from `level` up; Python's warnings
    too, so that a JSON log holds nothing but JSON."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields=JSON_NAMES))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    logging.captureWarnings(True)

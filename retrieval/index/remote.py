"""A remote Xapian shard's address, as xapian-tcpsrv serves it: read by the settings (which
need no Xapian installed to check it) and by the Xapian index."""

from __future__ import annotations

import re

# A remote Xapian shard, as xapian-tcpsrv serves it: a host name, IPv4 or [IPv6], and a port.
REMOTE = re.compile(r"tcp://(?P<host>[^/:\s]+|\[[0-9a-fA-F:.]+\]):(?P<port>\d{1,5})")


def parse_remote(spec: str) -> tuple[str, int] | None:
    """(host, port) of a tcp://HOST:PORT Xapian shard, None for a local path; ValueError when
    it is written like a URL but is not a valid tcp://HOST:PORT."""
    if "://" not in spec:
        return None
    m = REMOTE.fullmatch(spec)
    if not m or not 1 <= int(m["port"]) <= 65535:
        raise ValueError(f"{spec!r} is neither tcp://HOST:PORT (a port from 1 to 65535) nor a "
                         f"local path")
    return m["host"].strip("[]"), int(m["port"])

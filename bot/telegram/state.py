"""What the bot remembers between runs: the ids of the updates it has answered, so that none is
answered twice. Telegram sends again every update the bot has not confirmed (a restart after a
stop that left answered updates unconfirmed behind one still at work), and a webhook may be
posted the same update twice.

Update ids only, nothing about users nor what they wrote: one small JSON file,
`{"format": 1, "answered": [ids]}`, written whole or not at all (a temporary file, then a
rename) each time an update is answered, so before any later getUpdates confirms it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from retrieval import replaced_atomically

log = logging.getLogger(__name__)

STATE_FORMAT = 1
# Ids kept: polling forgets those Telegram has forgotten (below the confirmed offset); a
# webhook has no offset, and posts an update again within minutes if at all, so the latest
# thousand are plenty. A thousand ids is 8 kB to write per answer.
MAX_REMEMBERED = 1000


class AnsweredUpdates:
    """The updates answered lately, kept in a file (or only in memory, without one)."""

    def __init__(self, path: Path | None, answered: set[int] | None = None) -> None:
        self.path = path
        self.ids = answered or set()

    @classmethod
    def load(cls, path: Path) -> AnsweredUpdates:
        """The answered updates the file remembers, and the file written back at once, so that a
        folder where it cannot be written is an error at start (OSError), not a warning per
        answer. A damaged file is a warning: nothing is remembered then."""
        path.parent.mkdir(parents=True, exist_ok=True)
        answered: set[int] = set()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not (isinstance(data, dict) and data.get("format") == STATE_FORMAT
                    and isinstance(ids := data.get("answered"), list)
                    and all(isinstance(i, int) for i in ids)):
                raise ValueError("not a state file of this version")
            answered = set(ids)
        except FileNotFoundError:
            pass
        except (ValueError, OSError) as e:
            log.warning("state file %s not used (%s): updates answered before the last stop may "
                        "be answered again", path, e)
        state = cls(path, answered)
        state._write()
        return state

    def __contains__(self, update_id: int) -> bool:
        return update_id in self.ids

    def add(self, update_id: int) -> None:
        """Remembers an answered update, in the file at once."""
        self.ids.add(update_id)
        if len(self.ids) > MAX_REMEMBERED:
            self.ids = set(sorted(self.ids)[-MAX_REMEMBERED:])
        try:
            self._write()
        except OSError as e:
            log.warning("state file not written (%s): update %d may be answered again after a "
                        "restart", e, update_id)

    def confirmed(self, offset: int) -> None:
        """Telegram has forgotten the updates below `offset`: they need no remembering."""
        self.ids = {i for i in self.ids if i >= offset}

    def _write(self) -> None:
        if self.path is None:
            return
        with replaced_atomically(self.path, "w", encoding="utf-8") as f:
            json.dump({"format": STATE_FORMAT, "answered": sorted(self.ids)}, f)

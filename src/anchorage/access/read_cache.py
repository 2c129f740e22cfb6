"""Per-process caches of what pages read from the warehouse, kept only while the warehouse is unchanged.

Every request of the dashboards, explorer and API reads the committed analysis and the explore tables, which
change only when something writes the warehouse (the refresh job, a load, a command). So a read is kept under the
warehouse's write token: this process's finished write sections and the file's (and its WAL's) modification
time, for another process's. The token is taken *before* the read, so a read that raced a commit is kept under
the old token and dropped at the next look. Callers put the viewer's scope (`scope_key`) in the key of anything
gated, so no viewer is given what another may see; nothing personal (CSRF tokens, names) is ever kept here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from anchorage.access.gate import Viewer
from anchorage.workspace import Workspace

T = TypeVar("T")
LIMIT = 256  # entries per process; each at most an API page of 1,000 rows


def warehouse_token(ws: Workspace) -> tuple[Any, ...]:
    """Changes whenever the warehouse may have changed (a cheap look: a counter and two stat calls)."""
    return ws.warehouse_version()


def scope_key(viewer: Viewer) -> tuple[Any, ...]:
    """What a gated read depends on of its viewer: whose detail they see, and their role and anchor."""
    return (viewer.role, viewer.org, viewer.detail_orgs)


class ReadCache:
    """A bounded, least-recently-used map of reads, each under the warehouse token it was read at."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._reading: dict[Hashable, threading.Event] = {}  # reads under way, by key
        self._lock = threading.Lock()

    def get(self, ws: Workspace, key: Hashable, read: Callable[[], T]) -> T:
        """The read's result, read again when the warehouse changed since it was kept (errors are not kept).

        One read at a time per key: the requests that want a read another is making wait for its result, so
        the many requests after a write do not all make the same read while the cores are busy."""
        full = (str(ws.root), warehouse_token(ws), key)
        while True:
            with self._lock:
                if full in self._items:
                    self._items.move_to_end(full)
                    found: T = self._items[full]
                    return found
                under_way = self._reading.get(full)
                if under_way is None:
                    mine = self._reading[full] = threading.Event()
            if under_way is None:
                break
            under_way.wait()  # then kept, or that read failed and this one reads for itself
        try:
            value = read()
            with self._lock:
                self._items[full] = value
                while len(self._items) > self.limit:
                    self._items.popitem(last=False)
        finally:
            with self._lock:
                del self._reading[full]
            mine.set()
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


READS = ReadCache()

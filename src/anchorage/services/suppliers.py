"""The supplier register's review as the web shows it: the decisions a reviewer may record (accept, reject,
merge, split), from the one list the records and the review itself check against."""

from __future__ import annotations

from anchorage.store.suppliers_records import ACTIONS
from anchorage.suppliers.register_names import register_ref

__all__ = ["ACTIONS", "register_ref", "review_actions"]


def review_actions() -> tuple[str, ...]:
    """The decisions a reviewer may record on one supplier record, in the order the page offers them."""
    return ACTIONS

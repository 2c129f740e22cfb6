"""Small-number suppression: no output shows a count below the threshold, directly or by subtraction."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from anchorage.workforce.suppression import SuppressionRule, suppress, suppress_column, with_margins


def derivable(values: list[list[int | None]]) -> set[tuple[int, int]]:
    """Hidden cells whose value follows from the shown cells and the sum constraints (linear algebra,
    independent of the graph method the function uses)."""
    n_rows, n_cols = len(values) - 1, len(values[0]) - 1
    cells = [(r, c) for r in range(n_rows + 1) for c in range(n_cols + 1)]
    unknown = [cell for cell in cells if values[cell[0]][cell[1]] is None]
    if not unknown:
        return set()
    index = {cell: i for i, cell in enumerate(unknown)}
    rows = []  # one equation per row (cells sum to the row total) and per column
    for r in range(n_rows + 1):
        v = np.zeros(len(unknown))
        for c in range(n_cols + 1):
            if (r, c) in index:
                v[index[(r, c)]] = 1 if c < n_cols else -1
        rows.append(v)
    for c in range(n_cols + 1):
        v = np.zeros(len(unknown))
        for r in range(n_rows + 1):
            if (r, c) in index:
                v[index[(r, c)]] = 1 if r < n_rows else -1
        rows.append(v)
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    out = set()
    for cell, i in index.items():
        e = np.zeros(len(unknown))
        e[i] = 1
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:  # e_i in the row space: determined
            out.add(cell)
    return out


tables = st.integers(1, 5).flatmap(
    lambda n_rows: st.integers(1, 4).flatmap(
        lambda n_cols: st.lists(
            st.lists(
                st.one_of(st.integers(0, 6), st.integers(0, 200)), min_size=n_cols, max_size=n_cols
            ),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(tables, st.integers(2, 10))
def test_no_small_count_is_shown_or_derivable(counts, threshold):
    rule = SuppressionRule(threshold=threshold)
    out = suppress(counts, rule)
    full = with_margins(counts)
    for r, row in enumerate(out.values):
        for c, shown in enumerate(row):
            if shown is not None:
                assert shown == full[r][c]
                assert shown == 0 or shown >= threshold, (counts, out.values)
    small = {(r, c) for r, row in enumerate(full) for c, v in enumerate(row) if 0 < v < threshold}
    assert small <= out.hidden
    assert not (derivable(out.values) & out.hidden), (counts, out.values)
    # The hidden cells of a row or column add up to a derivable figure: it is never small either.
    n_rows, n_cols = len(full) - 1, len(full[0]) - 1
    for line in [[(r, c) for c in range(n_cols + 1)] for r in range(n_rows + 1)] + [
        [(r, c) for r in range(n_rows + 1)] for c in range(n_cols + 1)
    ]:
        if line[-1] in out.hidden:  # the line's total is hidden: its hidden cells' sum is not known
            continue
        total = sum(full[r][c] for r, c in line if (r, c) in out.hidden)
        assert total == 0 or total >= threshold, (counts, out.values, line)
    # Every cycle can shift by one without going negative: no secondary cell is zero.
    assert all(full[r][c] > 0 for r, c in out.secondary)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=8))
def test_column_of_counts(counts):
    out = suppress_column(counts)
    assert not (derivable(out.values) & out.hidden)
    assert all(v is None or v == 0 or v >= 5 for row in out.values for v in row)


def test_hand_checked_secondary_suppression():
    # Anchor B has 3 staff living locally: hidden, and so are its complement (17) and the cheapest
    # other anchor's pair (12 + 50 beats 40 + 60), so neither the totals nor the headcounts give it away.
    counts = [[40, 60], [3, 17], [12, 50]]
    out = suppress(counts)
    assert out.primary == {(1, 0)}
    assert out.cell(1, 0) is None and out.cell(1, 1) is None  # 20 - 17 would give 3
    assert out.cell(2, 0) is None and out.cell(2, 1) is None  # 55 - 40 - 12 would give 3
    assert out.cell(0, 0) == 40 and out.cell(3, 0) == 55 and out.cell(1, 2) == 20
    assert out.secondary == {(1, 1), (2, 0), (2, 1)}
    assert not derivable(out.values) & out.hidden


def test_rounding_to_five():
    out = suppress([[12, 37], [8, 23]], SuppressionRule(threshold=5, round_to=5))
    assert out.values[0] == [10, 35, 50]
    assert out.values[2] == [20, 60, 80]


def test_zero_is_shown_and_never_used_to_protect():
    out = suppress([[0, 50], [2, 30], [9, 9]])
    assert out.cell(0, 0) == 0
    assert (1, 0) in out.hidden

"""Options that take one of a fixed set of words are Enums: the CLI lists the choices and refuses others
before any work starts, and the Enums are the lower layers' own lists (not copies)."""

from __future__ import annotations

import pytest
from tests.cli_support import cli, ok

from anchorage.assets.choices import SpaceAction, TransferStatus
from anchorage.assets.community import TRANSFER_STEPS
from anchorage.assets.workflow import BY_ANCHOR, BY_GROUP, TRANSITIONS

# (command line with a wrong word, one of the words it should offer instead)
WRONG = [
    (["users", "add", "a@example.org", "--role", "boss"], "anchor-analyst"),
    (["org", "add", "X", "--type", "charity"], "housing-association"),
    (["suppliers", "resolve", "--engine", "postgres"], "spark"),
    (["spend", "analyse", "--engine", "pandas"], "duckdb"),
    (["spend", "ingest", "f.csv", "--org", "x", "--date-order", "ymd"], "mdy"),
    (["assets", "decide", "A1", "--org", "x", "--decision", "sell"], "not-underused"),
    (["assets", "transfer-status", "T1", "finished"], "expression-of-interest"),
    (["spaces", "respond", "R1", "approve", "--by", "group"], "withdraw"),
    (["lake", "ingest", "--to", "lake", "--kind", "assets"], "suppliers"),
    (["lake", "ingest", "--to", "lake", "--org-type", "shop"], "nhs-trust"),
    (["pipeline", "opportunities", "--grouping", "sector"], "mapped"),
    (["pipeline", "opportunities", "--cpv-level", "section"], "division"),
    (["he", "summary", "--by", "year"], "partner"),
]


@pytest.mark.parametrize(("args", "offered"), WRONG, ids=[" ".join(a[:3]) for a, _ in WRONG])
def test_a_word_outside_the_choices_is_refused_with_the_choices(tmp_path, args, offered):
    done = cli(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr  # a usage error: nothing ran
    assert "Invalid value" in done.stderr and offered in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_the_choices_are_shown_in_help():
    shown = ok(cli("users", "add", "--help")).stdout
    assert "collaborative-admin" in shown and "viewer" in shown


def test_the_enums_cover_the_rules_they_stand_for():
    assert set(TransferStatus) == set(TRANSFER_STEPS)
    assert (
        set(SpaceAction)
        == BY_ANCHOR | BY_GROUP
        == {a for moves in TRANSITIONS.values() for a in moves}
    )

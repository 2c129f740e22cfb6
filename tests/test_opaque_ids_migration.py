"""Records migration 0012 gives every object a URL or form names a random id, and every reference follows, on
SQLite and PostgreSQL; downgrading numbers them again with the references intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from anchorage.store import records

ROWS = [  # (table, columns): each row refers to the ones before it by their old numbers
    (
        "users",
        "id, email, name, org, role, active, failed_logins, must_change_password, created_at",
        "7, 'a@council.org', 'A', 'council', 'anchor-admin', true, 0, false, CURRENT_TIMESTAMP",
    ),
    (
        "users",
        "id, email, name, org, role, active, failed_logins, must_change_password, created_at",
        "9, 'b@council.org', 'B', 'council', 'viewer', true, 0, false, CURRENT_TIMESTAMP",
    ),
    (
        "web_sessions",
        "id_hash, user_id, csrf_token, created_at, expires_at",
        "'s1', 9, 'c', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP",
    ),
    (
        "api_tokens",
        "token_hash, public_id, user_id, name, created_at",
        "'t1', 'p1', 9, 'n', CURRENT_TIMESTAMP",
    ),
    (
        "invitations",
        "token_hash, email, org, role, invited_by, purpose, expires_at",
        "'i1', 'c@council.org', 'council', 'viewer', 7, 'invite', CURRENT_TIMESTAMP",
    ),
    (
        "shares",
        "id, owner, grantee, granted_by, created_at",
        "1, 'council', 'acute-trust', 7, CURRENT_TIMESTAMP",
    ),
    (
        "supplier_decisions",
        "id, action, record_id, decided_by, active, created_at",
        "3, 'split', 'abc', 'a@council.org', true, CURRENT_TIMESTAMP",
    ),
    (
        "wf_pledges",
        "id, org, programme, employer, company_number, charity_number, role, placements, hours_per_week, "
        "hourly_wage, duration_months, location, additionality, contact, pledged_on",
        "4, 'council', 'kickstart', 'Bakery', '', '', 'Baker', 2, 25, 9, 6, '', true, '', '2021-05-04'",
    ),
    (
        "wf_bid_starts",
        "id, pledge_id, participant_ref, start_date, outcome",
        "5, 4, 'KS-1', '2021-06-01', 'ok'",
    ),
    (
        "spaces",
        "id, org, ref, name, capacity, times, facilities, accessibility, hourly_cost, active, updated_at",
        "2, 'council', 'r', 'Hall', 40, '[]', '[]', '[]', 0, true, CURRENT_TIMESTAMP",
    ),
    (
        "needs",
        "id, group_name, contact_email, activity, description, people, times, accessibility, facilities, "
        "area, max_distance_m, status, created_at",
        "6, 'Club', 'g@x.org', 'Lunch', '', 20, '[]', '[]', '[]', 'SM1', 3000, 'published', CURRENT_TIMESTAMP",
    ),
    (
        "space_requests",
        "id, need_id, space_id, status, message, history, created_at, updated_at",
        "8, 6, 2, 'requested', '', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP",
    ),
    (
        "notifications",
        "id, recipient, kind, message, request_id, created_at",
        "11, 'need:6', 'offer', 'm', 8, CURRENT_TIMESTAMP",
    ),
    (
        "acv_listings",
        "id, name, address, nominated_by, nominated_on, decision_due, status, note",
        "12, 'Pub', '', 'Friends', '2024-01-01', '2024-03-01', 'listed', ''",
    ),
    (
        "disposal_notices",
        "id, acv_id, notified_on, interim_ends, full_ends, protected_ends",
        "13, 12, '2024-04-01', '2024-05-13', '2024-10-01', '2025-10-01'",
    ),
    (
        "asset_transfers",
        "id, org, asset_key, recipient, terms, status, history, created_at, updated_at",
        "14, 'council', 'k', 'Trust', 'lease', 'proposed', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP",
    ),
]
JOINS = {  # each reference, as a query that finds the row it names
    "session": "SELECT u.email FROM web_sessions w JOIN users u ON u.id = w.user_id",
    "token": "SELECT u.email FROM api_tokens t JOIN users u ON u.id = t.user_id",
    "invitation": "SELECT u.email FROM invitations i JOIN users u ON u.id = i.invited_by",
    "share": "SELECT u.email FROM shares s JOIN users u ON u.id = s.granted_by",
    "start": "SELECT p.employer FROM wf_bid_starts b JOIN wf_pledges p ON p.id = b.pledge_id",
    "request": "SELECT n.group_name || '/' || s.name FROM space_requests r JOIN needs n ON n.id = r.need_id "
    "JOIN spaces s ON s.id = r.space_id",
    "notification": "SELECT r.status FROM notifications x JOIN space_requests r ON r.id = x.request_id "
    "JOIN needs n ON x.recipient = 'need:' || n.id",
    "notice": "SELECT a.name FROM disposal_notices d JOIN acv_listings a ON a.id = d.acv_id",
}
EXPECTED = {
    "session": "b@council.org",
    "token": "b@council.org",
    "invitation": "a@council.org",
    "share": "a@council.org",
    "start": "Bakery",
    "request": "Club/Hall",
    "notification": "requested",
    "notice": "Pub",
}


def _config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(records.__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def _joined(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as c:
        return {k: c.execute(sa.text(q)).scalar_one() for k, q in JOINS.items()}


def _ids(engine: sa.Engine) -> dict[str, list]:
    with engine.connect() as c:
        return {
            t: sorted(map(str, c.execute(sa.text(f"SELECT id FROM {t}")).scalars()))
            for t in dict.fromkeys(t for t, _, _ in ROWS)
            if t not in ("web_sessions", "api_tokens", "invitations", "shares")
        }


def _check_migration(url: str) -> None:
    from alembic import command

    cfg = _config(url)
    command.upgrade(cfg, "0011_supplier_record_keys")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as c:
            for table, cols, values in ROWS:
                c.execute(sa.text(f"INSERT INTO {table} ({cols}) VALUES ({values})"))
        assert _joined(engine) == EXPECTED
        command.upgrade(cfg, "head")
        ids = _ids(engine)
        assert all(re.fullmatch(r"[0-9a-f]{20}", i) for v in ids.values() for i in v), ids
        assert _joined(engine) == EXPECTED
        assert {
            fk["referred_table"] for fk in sa.inspect(engine).get_foreign_keys("space_requests")
        } == {"needs", "spaces"}  # the foreign keys are back
        with (
            engine.begin() as c
        ):  # new rows get random ids from the application, not the old sequences
            c.execute(
                sa.text(
                    "INSERT INTO users (id, email, name, role, active, failed_logins, must_change_password, "
                    "created_at) VALUES (:id, 'n@x.org', '', 'viewer', true, 0, false, "
                    "CURRENT_TIMESTAMP)"
                ),
                {"id": records.opaque_id()},
            )
        command.downgrade(cfg, "0011_supplier_record_keys")
        assert _joined(engine) == EXPECTED
        numbered = _ids(engine)
        assert numbered["users"] == ["1", "2", "3"] and numbered["needs"] == ["1"]
        with engine.begin() as c:  # numbers come from the database again
            c.execute(
                sa.text(
                    "INSERT INTO spaces (org, ref, name, capacity, times, facilities, accessibility, "
                    "hourly_cost, active, updated_at) VALUES ('council', 'r2', 'Room', 5, '[]', '[]', "
                    "'[]', 0, true, CURRENT_TIMESTAMP)"
                )
            )
            assert sorted(c.execute(sa.text("SELECT id FROM spaces")).scalars()) == [1, 2]
        command.upgrade(cfg, "head")
        assert _joined(engine) == EXPECTED
        assert len(_ids(engine)["spaces"]) == 2
    finally:
        engine.dispose()


def test_migration_gives_random_ids_and_references_follow_on_sqlite(tmp_path: Path) -> None:
    _check_migration(f"sqlite:///{tmp_path / 'records.db'}")


@pytest.mark.postgres
def test_migration_gives_random_ids_and_references_follow_on_postgresql(
    fresh_pg_database: str,
) -> None:
    _check_migration(fresh_pg_database)

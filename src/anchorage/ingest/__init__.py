"""Read → map columns → validate → quarantine → load (all-or-nothing, idempotent)."""

"""The bottom layer: rules every other layer shares (periods; errors live in anchorage.core.errors)."""

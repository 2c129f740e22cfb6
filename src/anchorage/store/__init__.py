"""The two stores: the DuckDB warehouse (analytics) and the SQLAlchemy records DB (operational)."""

"""The web workspace: FastAPI pages and a JSON API, thin over the library (anchorage.access does the gating)."""

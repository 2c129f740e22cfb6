"""Contracts and the pipeline: contract registers and OCDS imports, category mapping, the pipeline view and
the collaboration finder (docs/pipeline.md)."""

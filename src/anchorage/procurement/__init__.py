"""The procurement working group: where spend goes (CLES spend analysis)."""

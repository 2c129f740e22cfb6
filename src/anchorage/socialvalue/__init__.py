"""Social value (commitments and delivery against an open measures framework) and the local multiplier (LM3)."""

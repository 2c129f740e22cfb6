"""Names shared by every layer for the scope of a figure."""

COLLABORATIVE = (
    "collaborative"  # the "org" of rows that add up every anchor (the whole collaborative)
)

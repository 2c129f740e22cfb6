"""The demo collaborative: generated spend over real ONS geography shipped in demo/reference."""

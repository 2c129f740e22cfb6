"""Open opportunities for small suppliers: public notices and their feeds, and the local supplier directory."""

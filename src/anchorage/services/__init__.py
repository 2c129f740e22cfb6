"""Services: what the command line and the web both ask for, with the data boundary applied (ARCHITECTURE.md)."""

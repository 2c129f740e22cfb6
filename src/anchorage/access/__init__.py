"""Who may see what: accounts, sessions, sharing and the one data-boundary gate every page, export and API uses."""

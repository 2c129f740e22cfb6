"""Route modules, each small: auth, dashboards, uploads, reports, admin and the JSON API."""

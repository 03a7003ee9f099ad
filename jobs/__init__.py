"""Background jobs shared by imports and reports: one row per job, one dispatch, one heartbeat, one sweep."""

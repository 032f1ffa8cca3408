"""/api/v2 per-library statistics: get_library_watch_time_stats, get_library_user_stats."""

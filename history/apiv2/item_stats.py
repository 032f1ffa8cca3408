"""/api/v2 per-item statistics: get_item_watch_time_stats, get_item_user_stats."""

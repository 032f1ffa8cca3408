"""/api/v2 history table commands: get_history, delete_history."""

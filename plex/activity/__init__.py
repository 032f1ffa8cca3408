"""Live activity: turning what a Plex Media Server says about its sessions into session rows,
events and watch history (reference section 3)."""

"""SQLite storage through sqlite-utils: every table behind a small class on a Database passed in."""

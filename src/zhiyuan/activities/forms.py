"""The forms of the office pages of activities."""

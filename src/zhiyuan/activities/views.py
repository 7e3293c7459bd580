"""The office pages of activities (list, create, edit, publish, cancel, rosters)."""

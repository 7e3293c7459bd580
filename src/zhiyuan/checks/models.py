"""Models of the checks app."""

"""Models of the awards app."""

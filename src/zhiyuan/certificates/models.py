"""Models of the certificates app."""

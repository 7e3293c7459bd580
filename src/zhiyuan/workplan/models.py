"""Models of the workplan app."""

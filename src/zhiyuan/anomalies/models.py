"""Models of the anomalies app."""

"""Forms of the hours pages."""

"""The bottom layer: settings, errors, failpoints, typed payloads and the metric formulas.
Every other layer may import it; it imports nothing of the project."""

"""Domain services: the logic every function calls; no event shapes in here."""

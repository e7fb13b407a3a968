"""Dynamic forms: JSON Schema 2020-12 templates, versioned, and validated submissions."""

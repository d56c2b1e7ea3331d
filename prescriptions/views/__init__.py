"""Views of the prescriptions app, one module per area; each module owns its URL patterns."""

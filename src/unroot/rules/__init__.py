"""The rules: one module per check, registered by kind, each with its descriptor."""

"""Entrypoint script rules (UR3xx): what the container does when it starts."""

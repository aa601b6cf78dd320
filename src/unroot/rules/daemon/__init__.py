"""Daemon rules (UR4xx): what a daemon's configuration asks for that needs root."""

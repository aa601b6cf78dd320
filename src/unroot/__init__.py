"""unroot: explain why a container needs root, fix it, run it without root, enforce it."""

__version__ = "0.1.0"

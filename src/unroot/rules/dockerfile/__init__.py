"""Dockerfile rules (UR2xx): what the final stage of a Dockerfile does that needs root."""

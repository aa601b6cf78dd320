"""Findings -> a typed fix plan -> an appended image layer or a patched Dockerfile."""

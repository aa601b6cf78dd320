"""Tracing what a container's processes tried and were refused (strace attached from the host)."""

"""Image rules (UR1xx): the config and merged file tree of an image."""

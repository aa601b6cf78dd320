"""Image scan orchestration: user resolution, rule context, verdict (pure) plus one I/O entry."""

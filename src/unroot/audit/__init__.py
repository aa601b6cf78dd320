"""The append-only, hash-chained audit log of admission decisions and its verifier."""

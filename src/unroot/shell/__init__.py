"""Shell command syntax: parse scripts and RUN lines, peel wrappers, classify what commands do."""

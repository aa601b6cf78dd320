"""One orchestration per target kind: input -> model -> rules and policy -> Target."""

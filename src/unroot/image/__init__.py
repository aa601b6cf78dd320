"""Image facts the rules read: users and groups, file capabilities, the resolved user, and
what an arbitrary UID may read and write (the access model)."""

"""Image facts the rules read: users and groups, file capabilities, the resolved user."""

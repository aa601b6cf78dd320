"""See DESIGN.md for this package's one job."""

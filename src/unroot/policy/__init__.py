"""Workload policy, pure: Pod Security Standards, SCC-style profiles, namespace UID ranges."""

"""Workload rules (UR5xx): root reasons in a pod spec that Pod Security does not look at."""

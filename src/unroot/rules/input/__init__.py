"""Input problems (UR0xx): what the pipelines report about input they cannot judge."""

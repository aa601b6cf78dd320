"""Running containers: the podman adapter, with this host's quirks detected once."""

"""One small parser per daemon: config text (plus includes) in, DaemonConfig facts out."""

"""One parser per daemon: the ports, users and paths its configuration asks for."""

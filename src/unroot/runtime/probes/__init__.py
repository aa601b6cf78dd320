"""Readiness and health probes, one module per protocol, standard library only.

Each probe speaks just enough of its protocol to prove the service answers as that service
(an HTTP status line, ``+PONG``, a PostgreSQL authentication request, a MySQL greeting, an MQTT
CONNACK, a DNS response with the query's id, an SMTP/FTP greeting, a memcached version, a
FastCGI management record), so an open port alone never counts as a working service.
"""

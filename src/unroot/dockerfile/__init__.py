"""Dockerfile analysis: parse, group into stages, resolve users, read the build context.

Data flows one way: ``parse`` (BuildKit's own parser, see its docstring for the choice and the
input limits) -> ``stages`` (ARG/ENV scoping, stage edges, cycles, ``--target``) ->
``analysis`` (a :class:`~unroot.dockerfile.context.DockerfileContext`: the final image's chain
of stages, its user, its base image from ``baseimage``, RUN commands parsed by ``runs``) ->
rules ``unroot.rules.dockerfile`` plus the script and daemon rules fed by ``entry`` through
``contextfiles`` -> ``verdict`` -> ``scan.scan_dockerfile`` returns a Target.
"""

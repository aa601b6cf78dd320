"""Turn an image config JSON document into the :class:`ImageConfig` rules read."""

from __future__ import annotations

from unroot.errors import InputError
from unroot.oci.jsonio import get_obj, get_str, get_str_list, get_str_map, parse_object
from unroot.oci.limits import PATH_MAX
from unroot.oci.model import ImageConfig


def parse_config(data: bytes, what: str = "image config") -> ImageConfig:
    """Parse an OCI or Docker image config; wrong types are :class:`InputError`."""
    doc = parse_object(data, what)
    inner_raw = doc.get("config")
    if inner_raw is None:
        # Docker v1 layer json (old docker-archive) keeps it under container_config too.
        inner_raw = {}
    if not isinstance(inner_raw, dict):
        raise InputError(f"{what}: 'config' is not an object")
    where = f"{what}: config"
    ports = get_obj(inner_raw, "ExposedPorts", where)
    volumes = get_obj(inner_raw, "Volumes", where)
    working_dir = get_str(inner_raw, "WorkingDir", where)
    if len(working_dir) >= PATH_MAX:
        raise InputError(
            f"{where}: WorkingDir is {len(working_dir)} bytes long; a container cannot start "
            f"in a path past {PATH_MAX - 1} bytes (PATH_MAX)"
        )
    return ImageConfig(
        user=get_str(inner_raw, "User", where),
        exposed_ports=list(ports),
        env=get_str_list(inner_raw, "Env", where) or [],
        entrypoint=get_str_list(inner_raw, "Entrypoint", where),
        cmd=get_str_list(inner_raw, "Cmd", where),
        working_dir=working_dir,
        volumes=list(volumes),
        labels=get_str_map(inner_raw, "Labels", where),
        stop_signal=get_str(inner_raw, "StopSignal", where),
        os=get_str(doc, "os", what),
        architecture=get_str(doc, "architecture", what),
        variant=get_str(doc, "variant", what),
        raw=doc,
    )


def startup_paths(config: ImageConfig) -> list[str]:
    """Paths named by ENTRYPOINT/CMD (also inside ``sh -c`` strings): worth capturing.

    Absolute paths as written; a relative path with a slash (``./run.sh``, ``bin/start``)
    resolved against WorkingDir.
    """
    out: list[str] = []
    workdir = config.working_dir or "/"
    for argv in (config.entrypoint or [], config.cmd or []):
        for arg in argv:
            for token in arg.split():
                token = token.strip("\"';&|()")
                if not token or len(token) >= 4096:
                    continue
                if token.startswith("/"):
                    out.append(token)
                elif "/" in token and not token.startswith("-") and "=" not in token:
                    out.append(workdir.rstrip("/") + "/" + token)
    return out

"""Only code that runs at start counts: uncalled functions, and branches decided by who the
container starts as or by what the image holds."""

from __future__ import annotations

from unroot.shell.entrypoint import analyze_entrypoint

# the docker-library pattern: a function per step, a root-only branch that fixes ownership and
# re-executes itself as the service user
ENTRYPOINT = """#!/bin/bash
set -Eeuo pipefail

docker_create_db_directories() {
\tmkdir -p "$PGDATA"
\tif [ "$(id -u)" = '0' ]; then
\t\tchown -R postgres "$PGDATA"
\tfi
}

never_called() {
\tapt-get install -y debug-tools
\tsysctl -w kernel.shmmax=1
}

_main() {
\tif [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
\t\tdocker_create_db_directories
\t\texec gosu postgres "$BASH_SOURCE" "$@"
\tfi
\texec "$@"
}

_main "$@"
"""


def analyse(user: str, **kwargs: object):  # type: ignore[no-untyped-def]
    files = {"/usr/local/bin/docker-entrypoint.sh": ENTRYPOINT}
    return analyze_entrypoint(
        ["docker-entrypoint.sh"],
        ["postgres"],
        files.get,
        {"PATH": "/usr/local/bin:/usr/bin:/bin", "PGDATA": "/var/lib/postgresql/data"},
        user=user,
        **kwargs,  # type: ignore[arg-type]
    )


def test_root_start_runs_the_root_branch_through_the_called_functions() -> None:
    a = analyse("")
    assert [(d.tool, d.user) for d in a.drops] == [("gosu", "postgres")]
    assert [(c.tool, c.paths) for c in a.chowns] == [("chown", ("/var/lib/postgresql/data",))]
    assert a.package_installs == [] and a.host_mods == []  # never_called() is never called


def test_non_root_start_skips_the_root_branch() -> None:
    a = analyse("999:0")
    assert a.drops == [] and a.chowns == []
    assert [p.argv for p in a.programs if p.main] == [("postgres",)]


def test_file_tests_are_decided_on_the_image() -> None:
    script = (
        "#!/bin/sh\n"
        "[ ! -d /var/run/app ] && mkdir -p /var/run/app\n"
        "if [ -f /etc/app/first-run ]; then touch /var/lib/app/initialised; fi\n"
        "exec app\n"
    )
    files = {"/start.sh": script}
    present = {"/var/run/app"}
    a = analyze_entrypoint(["/start.sh"], None, files.get, {}, user="1001:0",
                           exists=present.__contains__)  # fmt: skip
    assert a.root_writes == []
    b = analyze_entrypoint(["/start.sh"], None, files.get, {}, user="1001:0",
                           exists=lambda p: False)  # fmt: skip
    assert [w.path for w in b.root_writes] == ["/var/run/app"]
    # without image metadata both ways are possible
    c = analyze_entrypoint(["/start.sh"], None, files.get, {}, user="1001:0")
    assert {w.path for w in c.root_writes} == {"/var/run/app", "/var/lib/app/initialised"}


def test_a_function_defined_in_a_sourced_library_runs_where_it_is_called() -> None:
    files = {
        "/entry.sh": "#!/bin/sh\n. /lib.sh\nprepare\nexec server\n",
        "/lib.sh": (
            "prepare() {\n  sysctl -w net.core.somaxconn=1024\n}\nunused() {\n  modprobe x\n}\n"
        ),
    }
    a = analyze_entrypoint(["/entry.sh"], None, files.get, {}, user="")
    assert [h.kind for h in a.host_mods] == ["sysctl"]


def test_writes_into_what_the_script_made_at_start_are_fine() -> None:
    script = (
        "#!/bin/sh\n"
        'initdb -D "$PGDATA"\n'
        'echo "listen_addresses = \'*\'" >> "$PGDATA/postgresql.conf"\n'
        "echo x > /etc/motd\n"
        'exec postgres -D "$PGDATA"\n'
    )
    files = {"/start.sh": script}
    a = analyze_entrypoint(["/start.sh"], None, files.get, {"PGDATA": "/var/lib/pg/data"},
                           user="1001:0", lookup=lambda p: None)  # fmt: skip
    assert [w.path for w in a.root_writes] == ["/etc/motd"]

"""Verdicts from findings, and scan_image end to end on constructed images."""

import pytest
from imagekit import directory, entry, make_image

from unroot.findings import Category, Finding, Severity, Verdict
from unroot.pipeline.image import scan_image
from unroot.pipeline.image_verdict import decide, is_root


def finding(category: Category, severity: Severity, message: str = "m") -> Finding:
    return Finding("UR999", category, severity, message)


def test_no_user_error_means_root() -> None:
    verdict, reasons = decide([finding(Category.NO_USER, Severity.ERROR, "runs as root")])
    assert verdict is Verdict.ROOT
    assert reasons == ["runs as root"]


def test_warning_in_any_category_means_non_root() -> None:
    for category in Category:
        if category is Category.NO_USER:
            continue
        verdict, reasons = decide([finding(category, Severity.WARNING, "x")])
        assert verdict is Verdict.NON_ROOT, category
        assert reasons == ["x"]


def test_info_only_is_ready_with_given_reasons() -> None:
    verdict, reasons = decide([finding(Category.LOW_PORT, Severity.INFO)], ["all good"])
    assert verdict is Verdict.ARBITRARY_UID_READY
    assert reasons == ["all good"]


def test_no_user_warning_is_not_root() -> None:
    assert not is_root([finding(Category.NO_USER, Severity.WARNING)])


def test_reasons_one_per_category_root_first_with_counts() -> None:
    findings = [
        finding(Category.LOW_PORT, Severity.WARNING, "port 80"),
        finding(Category.SETUID_BINARY, Severity.WARNING, "su"),
        finding(Category.SETUID_BINARY, Severity.WARNING, "mount"),
        finding(Category.SETUID_BINARY, Severity.WARNING, "passwd"),
        finding(Category.PRIVILEGE_DROP_AT_START, Severity.WARNING, "gosu"),
        finding(Category.NO_USER, Severity.ERROR, "root"),
        finding(Category.ARBITRARY_UID_UNREADY, Severity.INFO, "hidden"),
    ]
    verdict, reasons = decide(findings)
    assert verdict is Verdict.ROOT
    assert reasons == [
        "root",
        "gosu",
        "port 80",
        "su (and 2 more setuid_binary findings)",
    ]


# -- scan_image on constructed images ------------------------------------------------


def test_nginx_like_image_is_root_with_no_user_and_port() -> None:
    image = make_image(ports=["80/tcp"], workdir="")
    target = scan_image(image)
    assert target.verdict is Verdict.ROOT
    assert target.kind == "image" and target.ref == image.ref
    rules = {f.rule for f in target.findings}
    assert {"UR101", "UR120"} <= rules
    assert target.reasons[0].startswith("runs as root")
    assert any("80/tcp" in r for r in target.reasons)
    assert target.info["uid"] == 0


def ready_image(**overrides: object):  # type: ignore[no-untyped-def]
    """Group-0 writable HOME, WORKDIR and VOLUME, a high port: nothing blocks."""
    entries = [
        directory("home/app", 0o775, 1001, 0),
        directory("app", 0o775, 1001, 0),
        directory("data", 0o2775, 1001, 0),
        entry("app/server", mode=0o755),
    ]
    kwargs: dict[str, object] = {
        "user": "1001:0",
        "workdir": "/app",
        "volumes": ["/data"],
        "ports": ["8080/tcp"],
    }
    kwargs.update(overrides)
    return make_image(entries, **kwargs)  # type: ignore[arg-type]


def test_prepared_image_is_arbitrary_uid_ready() -> None:
    target = scan_image(ready_image())
    assert target.verdict is Verdict.ARBITRARY_UID_READY, target.reasons
    assert all(f.severity is Severity.INFO for f in target.findings)
    assert "uid 1001 (app), gid 0" in target.reasons[0]


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"ports": ["443/tcp"]}, "UR120"),
        ({"workdir": "/srv"}, "UR131"),
        ({"volumes": ["/var/lib/db"]}, "UR132"),
    ],
)
def test_one_problem_makes_it_non_root(change: dict[str, object], rule: str) -> None:
    target = scan_image(ready_image(**change))
    assert target.verdict is Verdict.NON_ROOT
    assert rule in {f.rule for f in target.findings if f.severity is not Severity.INFO}


def test_a_user_name_or_an_unused_setuid_file_blocks_nothing() -> None:
    # the restricted profile sets the UID itself; no_new_privs disarms setuid bits
    image = ready_image(user="app")
    image.tree.put(entry("usr/bin/su", mode=0o4755))
    target = scan_image(image)
    assert target.verdict is Verdict.ARBITRARY_UID_READY, target.reasons
    assert {"UR102", "UR110"} <= {f.rule for f in target.findings}


def test_setuid_binary_the_workload_runs_makes_it_non_root() -> None:
    image = ready_image(cmd=["/usr/bin/su", "app", "-c", "/app/server"])
    image.tree.put(entry("usr/bin/su", mode=0o4755))
    target = scan_image(image)
    assert target.verdict is Verdict.NON_ROOT
    assert any("/usr/bin/su" in r for r in target.reasons)


def test_unknown_user_is_not_ready() -> None:
    target = scan_image(ready_image(user="ghost"))
    assert target.verdict is Verdict.NON_ROOT
    assert any(f.category is Category.INPUT for f in target.findings)

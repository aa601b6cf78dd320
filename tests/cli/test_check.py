"""`unroot check` end to end (subprocess): formats, exit codes, file:line evidence, --fix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from unroot.oci import writer as oci_writer

MANIFEST = """\
# Source: demo/templates/all.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  annotations:
    openshift.io/sa.scc.uid-range: 1000680000/10000
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web  # keep me
          image: nginx
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Pod
metadata:
  name: rooty
  namespace: shop
spec:
  containers:
  - name: c
    image: busybox
    securityContext:
      runAsUser: 0
      privileged: true
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
"""


def line_of(text: str, needle: str, after: str | None = None) -> int:
    lines = text.splitlines()
    start = 0
    if after is not None:
        start = next(i for i, ln in enumerate(lines) if after in ln)
    return next(i for i, ln in enumerate(lines[start:], start + 1) if needle in ln)


def run(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unroot", "check", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "all.yaml"
    path.write_text(MANIFEST)
    return path


def targets(out: str) -> list[dict[str, Any]]:
    doc = json.loads(out)
    found: list[dict[str, Any]] = doc["targets"] if isinstance(doc, dict) else doc
    return found


def evidence(target: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for f in target["findings"] for e in f["evidence"]]


def test_scc_json_denies_root_pod_with_file_and_line(manifest: Path) -> None:
    res = run(str(manifest), "--format", "json")
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert "skipping kind 'Widget'" in res.stderr
    web, rooty = targets(res.stdout)
    assert web["verdict"] == "allow" and rooty["verdict"] == "deny"
    assert web["info"]["profile"] == "restricted-v2"
    # the Namespace object's range was used
    assert web["info"]["uid_range"] == "1000680000/10000"
    ev = {(e["field"], e["line"]) for e in evidence(rooty)}
    assert ("spec.containers[0].securityContext.runAsUser", line_of(MANIFEST, "runAsUser: 0")) in ev
    assert (
        "spec.containers[0].securityContext.privileged",
        line_of(MANIFEST, "privileged: true"),
    ) in ev
    assert all(e["file"] == str(manifest) for e in evidence(rooty))
    mutate = [f for f in web["findings"] if f["rule"] == "SCC-mutate"]
    fields = {f["evidence"][0]["field"]: f["data"]["value"] for f in mutate}
    key = "spec.template.spec.containers[0].securityContext.runAsUser"
    assert fields[key] == 1000680000


def test_psa_mode_reports_pod_security_reasons(manifest: Path) -> None:
    res = run(str(manifest), "--level", "baseline", "--format", "json")
    assert res.returncode == 1
    web, rooty = targets(res.stdout)
    assert web["verdict"] == "allow"  # baseline allows an unconfigured pod
    assert rooty["verdict"] == "deny"
    rules = {f["rule"] for f in rooty["findings"]}
    assert "PSA-privileged" in rules
    lines = {e["line"] for e in evidence(rooty)}
    assert line_of(MANIFEST, "privileged: true") in lines


def test_clean_input_exits_zero(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(MANIFEST.split("---\napiVersion: v1\nkind: Pod")[0])
    res = run(str(path), "--format", "json")
    assert res.returncode == 0, res.stdout + res.stderr


def test_fail_on_warning_counts_low_ports(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - name: c\n    image: x\n    ports:\n    - containerPort: 80\n"
    )
    assert run(str(path), "--uid-range", "5000/100").returncode == 0
    res = run(str(path), "--uid-range", "5000/100", "--fail-on", "warning", "--format", "json")
    assert res.returncode == 1
    [target] = targets(res.stdout)
    [low] = [f for f in target["findings"] if f["category"] == "low_port"]
    assert low["evidence"][0]["line"] == 9


def test_sarif_output_has_locations(manifest: Path) -> None:
    res = run(str(manifest), "--format", "sarif")
    assert res.returncode == 1
    sarif = json.loads(res.stdout)
    assert sarif["version"] == "2.1.0"
    lines = {
        loc["physicalLocation"]["region"]["startLine"]
        for result in sarif["runs"][0]["results"]
        for loc in result.get("locations", [])
        if "region" in loc.get("physicalLocation", {})
    }
    assert line_of(MANIFEST, "runAsUser: 0") in lines


def test_text_output_mentions_file_line(manifest: Path) -> None:
    res = run(str(manifest))
    assert res.returncode == 1
    assert f"{manifest}:{line_of(MANIFEST, 'runAsUser: 0')}" in res.stdout


def test_verdict_format_is_the_runner_contract() -> None:
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - name: c\n    image: x\n    securityContext: {privileged: true}\n"
    )
    res = run("--format", "verdict", "-", "--level", "baseline", "--version", "v1.30", stdin=pod)
    assert res.returncode == 1 and res.stdout.split()[0] == "deny"
    ok = pod.replace("privileged: true", "privileged: false")
    res = run("--format", "verdict", "-", "--level", "baseline", "--version", "latest", stdin=ok)
    assert (res.returncode, res.stdout.strip()) == (0, "allow")


def test_verdict_path_imports_nothing_heavy() -> None:
    code = (
        "import sys, io\n"
        "sys.argv=['unroot','check','--format','verdict','-','--level','baseline']\n"
        "sys.stdin=io.TextIOWrapper(io.BytesIO(b'kind: Pod\\nmetadata: {name: p}\\n"
        "spec: {containers: [{name: c, image: x}]}\\n'))\n"
        "from unroot.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "heavy=[m for m in ('rich','ruamel.yaml','unroot.policy.scc','unroot.report') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in res.stderr, res.stderr


def test_compose_file(tmp_path: Path) -> None:
    text = (
        "services:\n  app:\n    image: x\n    user: '0'\n    privileged: true\n"
        "    ports: ['80:80']\n"
    )
    path = tmp_path / "compose.yaml"
    path.write_text(text)
    res = run(str(path), "--level", "baseline", "--format", "json")
    assert res.returncode == 1
    [target] = targets(res.stdout)
    lines = {(e["field"], e["line"]) for e in evidence(target)}
    assert ("spec.containers[0].securityContext.privileged", line_of(text, "privileged")) in lines
    low = [f for f in target["findings"] if f["category"] == "low_port"]
    assert low and low[0]["evidence"][0]["line"] == line_of(text, "ports")


def test_from_cmdline() -> None:
    res = run(
        "--from-cmdline",
        "podman run --cap-add SYS_ADMIN -p 8080:8080 alpine",
        "--uid-range",
        "1000680000/10000",
        "--format",
        "json",
    )
    assert res.returncode == 1
    [target] = targets(res.stdout)
    assert target["verdict"] == "deny"
    [cap] = [f for f in target["findings"] if f["category"] == "needs_capability"]
    assert "SYS_ADMIN" in cap["message"]
    assert cap["evidence"][0] == {
        "file": "<cmdline>",
        "line": 1,
        "field": "spec.containers[0].securityContext.capabilities.add[0]",
        "value": "SYS_ADMIN",
    }


def test_fix_prints_diff_and_write_rewrites(manifest: Path) -> None:
    res = run(str(manifest), "--fix")
    assert res.returncode == 0, res.stderr  # the root pod is fixed by removing what is refused
    header = [ln for ln in res.stdout.splitlines() if ln.startswith("# unroot check --fix:")]
    assert "Pod/shop/rooty" in header[0] and "removes what restricted-v2 refuses" in header[0]
    assert any("securityContext.runAsUser = 0" in ln for ln in header)
    assert any("securityContext.privileged = true" in ln for ln in header)
    assert res.stdout.index("# unroot check --fix:") < res.stdout.index("--- a/")
    assert "-      runAsUser: 0" in res.stdout and "-      privileged: true" in res.stdout
    assert "+            runAsUser: 1000680000" in res.stdout
    assert "# keep me" not in [ln for ln in res.stdout.splitlines() if ln.startswith(("+", "-"))]
    only_web = manifest.parent / "web.yaml"
    only_web.write_text(MANIFEST.split("---\napiVersion: v1\nkind: Pod")[0])
    res = run(str(only_web), "--fix", "--write")
    assert res.returncode == 0, res.stderr
    new = only_web.read_text()
    assert "# keep me" in new and "# Source: demo/templates/all.yaml" in new
    assert "unroot.dev/profile: restricted-v2" in new
    after = run(str(only_web), "--level", "restricted", "--format", "json")
    assert after.returncode == 0, after.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "kind: Pod\na: &a [x,x,x,x,x,x,x,x,x,x]\n"
            + "".join(
                f"b{i}: &b{i} [" + ",".join([f"*{'a' if i == 0 else f'b{i - 1}'}"] * 10) + "]\n"
                for i in range(7)
            ),
            "alias bomb",
        ),
        ("kind: Pod\nspec: " + "[" * 10000 + "\n", "nested"),
        (
            "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n"
            "    securityContext: {runAsUser: root}\n",
            "expected an integer",
        ),
        ("kind: Deployment\nmetadata: {name: d}\nspec: {template: 5}\n", "must be a mapping"),
        ("kind: [\n", "invalid YAML"),
    ],
    ids=["bomb", "deep", "wrong-type", "bad-template", "syntax"],
)
def test_bad_input_exits_two_without_traceback(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    res = run(str(path), "--format", "json", "--uid-range", "5000/100")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    assert message in res.stderr + res.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["missing.yaml"],
        [],
        ["-", "--fix", "--write"],
        ["x.yaml", "--write"],
        ["x.yaml", "--uid-range", "12"],
        ["x.yaml", "--allow-profile", "nope"],
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "x.yaml").write_text("kind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n")
    res = run(*args, stdin="", cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.startswith("unroot: error:") or "Usage" in res.stderr
    assert "Traceback" not in res.stderr


def test_directory_input_and_unknown_profiles(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(MANIFEST)
    (tmp_path / ".hidden.yaml").write_text("kind: [\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text(
        "kind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: c, image: x}]}\n"
    )
    res = run(
        str(tmp_path),
        "--format",
        "json",
        "--allow-profile",
        "anyuid",
        "--allow-profile",
        "restricted-v2",
    )
    assert res.returncode == 1, res.stdout + res.stderr  # rooty is privileged
    found = targets(res.stdout)
    assert len(found) == 3  # web + rooty from a.yaml, b from sub/; the hidden file is skipped
    rooty = next(t for t in found if t["ref"].endswith("/rooty"))
    b = next(t for t in found if t["ref"].endswith("Pod/b"))
    web = next(t for t in found if "Deployment/shop/web" in t["ref"])
    # anyuid (priority 10) wins when allowed, but still refuses privileged containers
    assert b["info"]["profile"] == web["info"]["profile"] == "anyuid"
    assert rooty["verdict"] == "deny"
    assert {f["message"].split(":")[0] for f in rooty["findings"]} == {
        "profile anyuid",
        "profile restricted-v2",
    }


def test_image_scan_combines_run_as_non_root_with_named_user(tmp_path: Path) -> None:
    layout = tmp_path / "img"
    passwd = b"root:x:0:0::/root:/bin/sh\napp:x:1000:0::/home/app:/bin/sh\n"
    oci_writer.write_image(
        str(layout),
        [[oci_writer.Entry("etc", type="dir"), oci_writer.Entry("etc/passwd", data=passwd)]],
        oci_writer.default_config(User="app"),
    )
    source = f"example.com/app:1=oci:{layout}:latest"
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        "  securityContext: {runAsNonRoot: true}\n  containers:\n"
        "  - name: c\n    image: example.com/app:1\n"
    )
    path = tmp_path / "p.yaml"
    path.write_text(text)
    scan = ["--image-scan", "--image-source", source]
    res = run(str(path), "--level", "baseline", *scan, "--format", "json")
    assert res.returncode == 1, res.stdout + res.stderr
    found = targets(res.stdout)
    pod = next(t for t in found if t["kind"] == "workload")
    [hit] = [f for f in pod["findings"] if f["rule"] == "UR503"]
    assert "'app'" in hit["message"] and "not a number" in hit["message"]
    assert hit["evidence"][0]["line"] == line_of(text, "image:")
    assert any(t["kind"] == "image" for t in found)
    # in SCC mode the profile fills runAsUser, so the kubelet has a number: no such finding
    res = run(str(path), *scan, "--uid-range", "5000/100", "--format", "json")
    pod = next(t for t in targets(res.stdout) if t["kind"] == "workload")
    assert not [f for f in pod["findings"] if f["rule"] == "UR503"]


def test_image_scan_unreachable_image_is_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nope:1}]}\n"
    )
    source = f"nope:1=oci:{tmp_path}/nope:latest"
    res = run(
        str(path),
        "--level",
        "baseline",
        "--image-scan",
        "--image-source",
        source,
        "--format",
        "json",
    )
    assert res.returncode == 0, res.stdout + res.stderr
    [target] = targets(res.stdout)
    assert any(f["rule"] == "UR002" for f in target["findings"])


def test_scc_mode_with_level_proves_pod_security_after_mutation(tmp_path: Path) -> None:
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - name: c\n    image: x\n"
    )
    path = tmp_path / "p.yaml"
    path.write_text(pod)
    args = ["--profile-mode", "scc", "--uid-range", "5000/100", "--format", "json"]
    res = run(str(path), *args, "--level", "restricted")
    assert res.returncode == 0, res.stdout
    # anyuid fills in nothing that Pod Security restricted needs: denied after mutation
    res = run(str(path), *args, "--level", "restricted", "--allow-profile", "anyuid")
    assert res.returncode == 1
    [target] = targets(res.stdout)
    assert target["verdict"] == "deny"
    assert any("still denies" in f["message"] for f in target["findings"])


def test_fix_removes_explicit_root_and_refuses_host_paths(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: root}  # the app\nspec:\n"
        "  hostPID: true\n  containers:\n  - name: c\n    image: x\n"
        "    securityContext: {runAsUser: 0, allowPrivilegeEscalation: true}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: host}\nspec:\n"
        "  containers: [{name: c, image: x, volumeMounts: [{name: h, mountPath: /h}]}]\n"
        "  volumes: [{name: h, hostPath: {path: /var/run}}]\n"
    )
    path = tmp_path / "pods.yaml"
    path.write_text(text)
    res = run(str(path), "--fix", "--write", "--uid-range", "5000/100")
    assert res.returncode == 1, res.stderr  # the hostPath pod is left as it is
    assert "cannot fix" in res.stderr and "Pod/host" in res.stderr and "hostPath" in res.stderr
    assert "removes what restricted-v2 refuses" in res.stderr
    new = path.read_text()
    assert "# the app" in new and "hostPID" not in new and "runAsUser: 5000" in new
    assert "hostPath: {path: /var/run}" in new
    after = targets(run(str(path), "--format", "json", "--uid-range", "5000/100").stdout)
    assert [t["verdict"] for t in after] == ["allow", "deny"]


def test_fix_inside_a_list(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: cm}\n"
        "- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    containers:\n"
        "    - name: c  # the app\n      image: x\n"
    )
    path = tmp_path / "list.yaml"
    path.write_text(text)
    res = run(str(path), "--fix", "--write", "--uid-range", "5000/100")
    assert res.returncode == 0, res.stderr
    new = path.read_text()
    assert "# the app" in new and "runAsUser: 5000" in new
    after = run(str(path), "--level", "restricted", "--format", "json")
    assert after.returncode == 0, after.stdout

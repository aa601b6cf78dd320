"""``unroot check``: judge Kubernetes / compose workloads against Pod Security or SCC profiles.

Wiring only: inputs come from :mod:`unroot.workload.inputs`, decisions from
:mod:`unroot.pipeline.workload_policy`,
reports from :mod:`unroot.report`. ``--format verdict`` is the
conformance runner's contract and is answered before anything heavy is imported (the runner
starts thousands of processes).
"""

from __future__ import annotations

import sys
from typing import Any

import click

_FORMATS = ("text", "json", "sarif", "verdict")
_FAIL_ON = ("info", "warning", "error", "never")


@click.command(
    "check",
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Exit codes: 0 allowed/clean, 1 denied or findings >= --fail-on, 2 input/usage error.",
)
@click.argument("inputs", nargs=-1, metavar="FILE|DIR|-")
@click.option(
    "--from-cmdline",
    "cmdlines",
    multiple=True,
    metavar="CMD",
    help='A "podman run ..." / "docker run ..." command line to check.',
)
@click.option(
    "--level",
    type=click.Choice(["baseline", "restricted", "privileged"]),
    help="Pod Security level (implies --profile-mode psa).",
)
@click.option(
    "--version",
    "psa_version",
    default="latest",
    show_default=True,
    metavar="v1.N|latest",
    help="Pod Security version.",
)
@click.option(
    "--profile-mode",
    type=click.Choice(["psa", "scc"]),
    help="psa (Pod Security Standards) or scc (SCC-style profiles, mutating). "
    "Default: psa when --level is given, else scc.",
)
@click.option(
    "--uid-range",
    metavar="START/SIZE",
    help="Namespace UID range for SCC mode (else a Namespace object's annotation).",
)
@click.option(
    "--profiles",
    "profile_paths",
    multiple=True,
    metavar="PATH",
    help="Extra profile YAML files or folders.",
)
@click.option(
    "--allow-profile",
    "allowed",
    multiple=True,
    metavar="NAME",
    help="Profiles the workloads may use (default: restricted-v2).",
)
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default="text", show_default=True)
@click.option("--fix", is_flag=True, help="Fill in what the profile requires (SCC mutation).")
@click.option("--write", is_flag=True, help="With --fix: rewrite the files in place.")
@click.option(
    "--diff", "show_diff", is_flag=True, help="With --fix: print a unified diff (default)."
)
@click.option(
    "--fail-on",
    type=click.Choice(_FAIL_ON),
    default="error",
    show_default=True,
    help="Exit 1 when a finding has at least this severity.",
)
@click.option(
    "--image-scan",
    is_flag=True,
    help="Also scan each container image and combine (e.g. runAsNonRoot vs USER name).",
)
def check(
    inputs: tuple[str, ...],
    cmdlines: tuple[str, ...],
    level: str | None,
    psa_version: str,
    profile_mode: str | None,
    uid_range: str | None,
    profile_paths: tuple[str, ...],
    allowed: tuple[str, ...],
    fmt: str,
    fix: bool,
    write: bool,
    show_diff: bool,
    fail_on: str,
    image_scan: bool,
) -> None:
    """Check workloads (Kubernetes YAML, Helm output, compose files, run command lines)."""
    if fmt == "verdict":
        _verdict(inputs, level or "restricted", psa_version)
        return
    from unroot.errors import UsageError

    if not inputs and not cmdlines:
        raise UsageError("nothing to check: give FILE, DIR, - (stdin) or --from-cmdline")
    if (write or show_diff) and not fix:
        raise UsageError("--write and --diff need --fix")
    if write and "-" in inputs:
        raise UsageError("--write cannot rewrite stdin; use --diff")
    mode = profile_mode or ("psa" if level else "scc")
    code = _run(
        psa_after_scc=mode == "scc" and level is not None,
        inputs=inputs,
        cmdlines=cmdlines,
        mode=mode,
        level=level or "restricted",
        version=psa_version,
        uid_range=uid_range,
        profile_paths=profile_paths,
        allowed=list(allowed) or None,
        fmt=fmt,
        fix=fix,
        write=write,
        fail_on=fail_on,
        image_scan=image_scan,
    )
    sys.exit(code)


def _verdict(inputs: tuple[str, ...], level: str, version: str) -> None:
    from unroot.pipeline.psa_verdict import verdict_for_stream
    from unroot.workload.load import read_bounded

    if inputs not in ((), ("-",)):
        chunks = []
        for path in inputs:
            if path == "-":
                continue
            try:
                with open(path, "rb") as fh:
                    chunks.append(read_bounded(fh, path))
            except OSError as exc:
                sys.stderr.write(f"error: {path}: {exc.strerror}\n")
                sys.exit(2)
        data = b"".join(chunks)
    else:
        data = sys.stdin.buffer.read()
    text, code = verdict_for_stream(data, level, version)
    stream = sys.stderr if code == 2 else sys.stdout
    stream.write(text + "\n")
    stream.flush()
    sys.exit(code)


def _run(
    *,
    psa_after_scc: bool = False,
    inputs: tuple[str, ...],
    cmdlines: tuple[str, ...],
    mode: str,
    level: str,
    version: str,
    uid_range: str | None,
    profile_paths: tuple[str, ...],
    allowed: list[str] | None,
    fmt: str,
    fix: bool,
    write: bool,
    fail_on: str,
    image_scan: bool,
) -> int:
    from unroot.errors import InputError
    from unroot.findings import Severity, Target, Verdict
    from unroot.pipeline import workload_policy as assess
    from unroot.policy.scc import DEFAULT_ALLOWED, load_profiles
    from unroot.policy.uidrange import parse_range
    from unroot.workload.inputs import read_sources
    from unroot.workload.podspec import join_path, pod_spec_of

    flag_range = parse_range(uid_range) if uid_range else None
    allowed_profiles = allowed or list(DEFAULT_ALLOWED)
    profiles = load_profiles(profile_paths) if (mode == "scc" or fix) else {}
    if profiles:
        unknown = [n for n in allowed_profiles if n not in profiles]
        if unknown:
            from unroot.errors import UsageError

            raise UsageError(
                f"unknown profile(s) {', '.join(unknown)} (known: {', '.join(sorted(profiles))})"
            )
    sources = read_sources(inputs, cmdlines)
    for src in sources:
        for warning in src.warnings:
            click.echo(f"unroot: warning: {warning}", err=True)

    namespaces = _namespaces(sources)
    ranges = _ranges(sources, namespaces, flag_range, needed=(mode == "scc" or fix))

    targets: list[Target] = []
    patches: dict[tuple[int, int], list[dict[str, Any]]] = {}
    unfixable: list[str] = []
    input_errors = 0
    image_cache: dict[str, Target] = {}
    for si, src in enumerate(sources):
        for doc in src.documents:
            if doc.kind == "Namespace":
                continue
            try:
                ref = pod_spec_of(doc.obj)
            except InputError as exc:
                ref = None
                targets.append(_input_target(doc, str(exc)))
                input_errors += 1
                continue
            if ref is None:
                if doc.kind not in _QUIET_KINDS:
                    click.echo(
                        f"unroot: warning: {doc.file}:{doc.line_of('')}: skipping kind "
                        f"{doc.kind!r} (no pod template)",
                        err=True,
                    )
                continue
            ns = doc.namespace or "default"
            annotations = namespaces.get(ns)
            try:
                decision = None
                if mode == "psa":
                    target = assess.psa_target(doc, level, version)
                if mode == "scc" or fix:
                    scc_target, decision = assess.scc_target(
                        doc,
                        profiles=profiles,
                        allowed_profiles=allowed_profiles,
                        uid_range=ranges.get(ns),
                        namespace_annotations=annotations,
                    )
                    if mode == "scc":
                        target = scc_target
                        if psa_after_scc:
                            extra = assess.psa_after_patch(doc, decision, level, version)
                            if extra:
                                target.findings.extend(extra)
                                target.verdict = Verdict.DENY
                                target.reasons.extend(f.message for f in extra)
            except InputError as exc:
                targets.append(_input_target(doc, str(exc)))
                input_errors += 1
                continue
            spec_prefix = join_path(ref.path_prefix, "spec")
            target.findings.extend(assess.hint_findings(doc, ref.spec, spec_prefix))
            if image_scan:
                spec_after = _patched_spec(doc.obj, decision, ref.path_prefix)
                images = _scan_images(ref.spec, image_cache, target)
                target.findings.extend(
                    assess.image_user_findings(doc, spec_after, spec_prefix, images)
                )
            targets.append(target)
            if fix and decision is not None:
                if decision.allowed and decision.patch and doc.chunk_index is not None:
                    ops = [dict(op, path=doc.pointer_prefix + op["path"]) for op in decision.patch]
                    patches.setdefault((si, doc.chunk_index), []).extend(ops)
                elif not decision.allowed:
                    unfixable.append(f"{doc.file}:{doc.line_of('')} {doc.ref}")

    if fix:
        return _apply_fixes(sources, patches, unfixable, write, input_errors)

    targets.extend(image_cache.values())
    from unroot.report import render

    render(targets, fmt, sys.stdout)
    if input_errors:
        return 2
    threshold = None if fail_on == "never" else Severity.parse(fail_on).rank
    failed = any(t.verdict is Verdict.DENY for t in targets if t.kind == "workload")
    if threshold is not None:
        failed = failed or any(f.severity.rank >= threshold for t in targets for f in t.findings)
    return 1 if failed else 0


# Kinds that never hold a pod and appear in every Helm chart: skipped without a warning.
_QUIET_KINDS = frozenset(
    [
        "Service",
        "ConfigMap",
        "Secret",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
        "Ingress",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "PersistentVolume",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "StorageClass",
        "CustomResourceDefinition",
        "Endpoints",
        "EndpointSlice",
        "LimitRange",
        "ResourceQuota",
        "PriorityClass",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    ]
)


def _namespaces(sources: list[Any]) -> dict[str, dict[str, Any]]:
    """Namespace name -> annotations, for Namespace objects in the input."""
    out: dict[str, dict[str, Any]] = {}
    for src in sources:
        for doc in src.documents:
            if doc.kind == "Namespace" and doc.name:
                meta = doc.obj.get("metadata") or {}
                ann = meta.get("annotations") if isinstance(meta, dict) else None
                out[doc.name] = dict(ann) if isinstance(ann, dict) else {}
    return out


def _ranges(
    sources: list[Any], namespaces: dict[str, dict[str, Any]], flag: Any, *, needed: bool
) -> dict[str, Any]:
    """Namespace -> UID range: the Namespace annotation, else --uid-range, else (offline
    simulation) the block the allocator would hand out, in namespace-name order."""
    from unroot.policy.uidrange import allocate, range_from_annotations

    out: dict[str, Any] = {}
    taken = []
    for name, ann in namespaces.items():
        rng = range_from_annotations(ann)
        if rng is not None:
            out[name] = rng
            taken.append(rng)
    if not needed:
        return out
    wanted = sorted(
        {d.namespace or "default" for s in sources for d in s.documents if d.kind != "Namespace"}
    )
    for name in wanted:
        if name in out:
            continue
        if flag is not None:
            out[name] = flag
            continue
        rng = allocate(taken)
        taken.append(rng)
        out[name] = rng
    return out


def _input_target(doc: Any, message: str) -> Any:
    """A deny target for a document that cannot be evaluated; also said on stderr."""
    from unroot.findings import Category, Evidence, Finding, Severity, Target, Verdict

    click.echo(f"unroot: error: {doc.file}:{doc.line_of('')}: {doc.ref}: {message}", err=True)

    return Target(
        ref=f"{doc.file}:{doc.line_of('')} {doc.ref}",
        kind="workload",
        verdict=Verdict.DENY,
        findings=[
            Finding(
                rule="UNROOT-input",
                category=Category.INPUT,
                severity=Severity.ERROR,
                message=message,
                evidence=(Evidence(file=doc.file, line=doc.line_of("")),),
            )
        ],
        reasons=[message],
    )


def _patched_spec(obj: Any, decision: Any, prefix: str) -> Any:
    from unroot.policy import jsonpatch
    from unroot.policy.scc.admit import copy_json
    from unroot.workload.podspec import pod_spec_of

    if decision is None or not decision.allowed or not decision.patch:
        ref = pod_spec_of(obj)
        return ref.spec if ref else {}
    new = jsonpatch.apply(copy_json(obj), copy_json(decision.patch))
    ref = pod_spec_of(new)
    return ref.spec if ref else {}


def _scan_images(spec: Any, cache: dict[str, Any], target: Any) -> dict[str, Any]:
    from unroot.errors import UnrootError
    from unroot.findings import Category, Finding, Severity

    images: dict[str, Any] = {}
    for key in ("initContainers", "containers"):
        for c in spec.get(key) or []:
            ref = c.get("image") if isinstance(c, dict) else None
            if not isinstance(ref, str) or not ref:
                continue
            if ref not in cache:
                try:
                    from unroot.pipeline.image import scan_image_ref

                    cache[ref] = scan_image_ref(ref)
                except (UnrootError, OSError) as exc:
                    target.findings.append(
                        Finding(
                            rule="UNROOT-image-unreachable",
                            category=Category.INPUT,
                            severity=Severity.INFO,
                            message=f"image {ref} not scanned: {' '.join(str(exc).split())}",
                        )
                    )
                    continue
            images[ref] = cache[ref]
    return images


def _apply_fixes(
    sources: list[Any],
    patches: dict[tuple[int, int], list[dict[str, Any]]],
    unfixable: list[str],
    write: bool,
    input_errors: int,
) -> int:
    from unroot.pipeline.rewrite import rewrite, unified_diff, write_atomic

    for si, src in enumerate(sources):
        mine = {ci: ops for (s, ci), ops in patches.items() if s == si}
        if not mine:
            continue
        if src.format != "kubernetes":
            click.echo(
                f"unroot: warning: {src.file}: --fix rewrites Kubernetes YAML only", err=True
            )
            continue
        new = rewrite(src, mine)
        if write:
            write_atomic(src.file, new)
            click.echo(f"unroot: fixed {src.file} ({len(mine)} document(s))", err=True)
        else:
            sys.stdout.write(unified_diff(src.file, src.text, new))
    for item in unfixable:
        click.echo(f"unroot: cannot fix {item}: no allowed profile admits it", err=True)
    if input_errors:
        return 2
    return 1 if unfixable else 0

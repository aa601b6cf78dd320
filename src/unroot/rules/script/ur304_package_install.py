"""UR304: packages installed when the container starts."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.script._common import loc, where
from unroot.shell.facts import EntrypointAnalysis


def check(analysis: EntrypointAnalysis) -> Iterator[Finding]:
    for p in analysis.package_installs:
        pkgs = " ".join(p.packages) or "packages"
        yield RULE.finding(
            f"{p.manager} installs {pkgs} at start ({loc(p.file, p.line)}): writing system "
            "package locations needs root",
            where(p.file, p.line, p.text),
            fix=(
                f"Install {pkgs} in the Dockerfile (a RUN step at build time) and remove the "
                "install from the entrypoint"
                + (
                    "; for Python packages, a virtualenv owned by the runtime user also works."
                    if p.manager == "pip"
                    else "."
                )
            ),
            data={"manager": p.manager, "packages": list(p.packages)},
        )


RULE = Rule(
    id="UR304",
    kind="script",
    category=Category.PACKAGE_INSTALL_AT_RUNTIME,
    severity=Severity.ERROR,
    title="Entrypoint installs packages at start",
    rationale=(
        "apt-get, apk, dnf, zypper, pip (outside a virtualenv and without --user) and npm -g "
        "write to root-owned system directories. At start this needs root, network access and "
        "time, and makes every start different."
    ),
    fix="Install at build time; run the container with its packages already present.",
    docs="pip install --user, --target and --prefix, and pip inside a virtualenv are not reported.",
    check=check,
)

"""What the container does at start: follow ENTRYPOINT/CMD through the scripts they run.

A small symbolic walk, not an interpreter: it expands ``$@``/``$1``/``$0`` and variables whose
value is known (image env, simple assignments and ``${VAR:=default}`` in the script), follows
``exec "$@"`` into the CMD, scripts that are executed or sourced, and ``set -- prog "$@"``
prefixing, and records every start-time fact with file:line.

Only code that runs at start counts: a function's commands are followed where it is called
(never where it is defined, so an uncalled function contributes nothing), and a command under
a condition the walk can decide is followed only when the condition allows it: "am I root"
tests (``[ "$(id -u)" = 0 ]``, ``$EUID``, ``whoami``) are evaluated for the user the container
starts as, and ``[ -d PATH ]``-style tests on the image when its tree is known. Conditions it
cannot decide are taken both ways.

Pure: every file is read through ``read_file`` (``None`` means "not captured", not "absent").
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from unroot.errors import InputError
from unroot.image.access import AccessModel, Lookup, Need
from unroot.shell import classify
from unroot.shell.command import Command
from unroot.shell.facts import (
    EntrypointAnalysis,
    PrivilegeDrop,
    ProgramRun,
    RootPathWrite,
    Where,
)
from unroot.shell.parse import SHELLS, parse_commands, shell_c_string
from unroot.shell.unwrap import layers, unwrap
from unroot.shell.words import basename

if TYPE_CHECKING:
    from unroot.oci.model import FileEntry, Image

__all__ = ["DEFAULT_PATH", "EntrypointAnalysis", "analyze_entrypoint", "analyze_image"]

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CONFIG_FILE = "ENTRYPOINT/CMD"
_MAX_DEPTH = 8
_MAX_SCRIPTS = 32
MAX_VISITS = 512
"""Script runs and ``source``s followed in one analysis, all together: scripts that source
each other twelve times, nine levels deep, would otherwise be walked 12**9 times."""
_ROOT_NAMES = frozenset({"root", "0", "0:0", "root:root"})

_GUARD = re.compile(
    r"(\$\(\s*id\s+-u\s*\)|`id -u`|\$\{?EUID\}?|\$\{?UID\}?|\$\(\s*whoami\s*\)|`whoami`)"
    r"[\"']?\s*(=|==|-eq|-ne|!=)\s*[\"']?(0|root)\b"
    r"|\b(0|root)[\"']?\s*(=|==|-eq|-ne|!=)\s*[\"']?(\$\(\s*id\s+-u\s*\)|\$\{?EUID\}?|\$\{?UID\})"
)
_ASSIGN = re.compile(
    r"^\s*(?:export\s+|local\s+|readonly\s+|declare\s+(?:-\w+\s+)?)?"
    r"([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"$`]*\"|'[^']*'|[^\s;&|$`'\"]*)\s*(?:;|$|#)"
)
_HOOK_LINE = re.compile(r"\b(for|find|run-parts|ls)\b")
_HOOK_DIR = re.compile(r"(/[A-Za-z0-9_./-]*\.d)(?=/|\s|\"|'|$)")
_FILE_TEST = re.compile(
    r"(?:\[\[?|test)\s+(?P<not>!\s+)?-[edfs]\s+[\"']?(?P<path>/[\w./@+-]*)[\"']?\s*\]?\]?"
)
_FUNC_DEF = re.compile(r"^\s*(?:function\s+)?([A-Za-z_][\w:.-]*)\s*\(\s*\)", re.M)
_DEFAULT_ASSIGN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?=([^}]*)\}")
_VAR = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-=])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


def analyze_entrypoint(
    entrypoint: list[str] | None,
    cmd: list[str] | None,
    read_file: Callable[[str], str | None],
    env: dict[str, str] | None = None,
    *,
    user: str = "",
    exists: Callable[[str], bool | None] | None = None,
    entry: Callable[[str], FileEntry | None] | None = None,
    workdir: str = "",
    list_paths: Callable[[], Iterable[str]] | None = None,
    lookup: Lookup | None = None,
) -> EntrypointAnalysis:
    """Analyze what ENTRYPOINT + CMD do at start (see the module docstring).

    ``exists`` (optional) says whether a path is present at all (None: not known), so that
    binaries whose content was not captured still resolve through PATH; ``lookup`` (optional,
    lstat-like metadata: a tree or a Dockerfile's file model) lets the arbitrary-UID access model
    decide whether a start-time write is possible; ``entry`` (optional) gives file metadata so that
    writes to paths that are already writable by group 0 are not reported; ``list_paths``
    (optional) lists every absolute path, so that hook directories a script runs
    (``/docker-entrypoint.d/*.sh``, ``run-parts DIR``) are analyzed too.
    """
    argv = tuple(entrypoint or ()) + tuple(cmd or ()) if entrypoint else tuple(cmd or ())
    walker = _Walker(read_file, dict(env or {}), exists, entry, workdir, list_paths, lookup)
    walker.result.argv = argv
    walker.result.user = user
    if argv:
        walker.run_argv(argv, Where(CONFIG_FILE, 0, " ".join(argv)), 0, None)
    return walker.result


def analyze_image(image: Image) -> EntrypointAnalysis:
    tree = image.tree
    cfg = image.config

    def exists(path: str) -> bool:
        return tree.resolve(path) is not None

    return analyze_entrypoint(
        cfg.entrypoint,
        cfg.cmd,
        tree.read_text,
        cfg.env_map(),
        user=cfg.user,
        exists=exists,
        entry=tree.resolve,
        workdir=cfg.working_dir,
        list_paths=lambda: ("/" + e.path for e in tree),
        lookup=tree.get,
    )


_SHEBANG_WRAPPERS = frozenset({"env", "tini", "tini-static", "dumb-init", "catatonit"})
_EXIT_FAIL = re.compile(r"\bexit\s+([1-9]\d*)\b")


def _refuses(block: list[str]) -> bool:
    """True if the lines after a UID test fail with ``exit N`` before the branch ends."""
    for j, line in enumerate(block):
        if j > 0 and re.match(r"\s*(fi|else|elif)\b", line):
            return False
        if "exec " in line or "gosu" in line or "su-exec" in line:
            return False
        if _EXIT_FAIL.search(line):
            return True
    return False


def _is_root(user: str | None) -> bool:
    return user is not None and user.strip() in _ROOT_NAMES


class _Walker:
    def __init__(
        self,
        read_file: Callable[[str], str | None],
        env: dict[str, str],
        exists: Callable[[str], bool | None] | None,
        entry: Callable[[str], FileEntry | None] | None,
        workdir: str,
        list_paths: Callable[[], Iterable[str]] | None = None,
        lookup: Lookup | None = None,
    ) -> None:
        self.read_file = read_file
        self.lookup = lookup
        self.list_paths = list_paths
        self._known: list[str] | None = None
        self.env = env
        self.exists = exists
        self.entry = entry
        self.workdir = workdir or "/"
        self.result = EntrypointAnalysis()
        self.active: list[str] = []
        self.visits = 0
        self.seen_writes: set[tuple[str, str, int]] = set()
        self.functions: dict[str, list[Command]] = {}
        """Function name -> its body's commands (registered when the defining file is read)."""
        self.calling: list[str] = []

    # -- files ------------------------------------------------------------------------------
    def read(self, path: str) -> str | None:
        try:
            return self.read_file(path)
        except (OSError, ValueError):
            return None

    def resolve(self, prog: str) -> tuple[str | None, str | None]:
        """(path, captured text) for a program word; path None when not found."""
        if not prog or "$" in prog or "`" in prog:
            return None, None
        if "/" in prog:
            path = posixpath.normpath(posixpath.join(self.workdir, prog))
            return path, self.read(path)
        for d in (self.env.get("PATH") or DEFAULT_PATH).split(":"):
            if not d.startswith("/"):
                continue
            path = posixpath.join(d, prog)
            text = self.read(path)
            if text is not None:
                return path, text
            if self.exists is not None and self.exists(path):
                return path, None
        return None, None

    @staticmethod
    def is_shell_script(text: str, path: str) -> bool:
        first = text.split("\n", 1)[0]
        if first.startswith("#!"):
            words = first[2:].split()
            # an init wrapper names the real interpreter: '#!/usr/bin/dumb-init /bin/sh',
            # '#!/sbin/tini -- /bin/sh'; 'env' too ('#!/usr/bin/env -S bash -e')
            while words and basename(words[0]) in _SHEBANG_WRAPPERS:
                words = [w for w in words[1:] if w != "--"]
                while words and words[0].startswith("-"):
                    words = words[1:]
            if not words:
                return True
            interp = basename(words[0])
            return interp in SHELLS or interp == "busybox"
        if "\x00" in text[:1024]:
            return False
        return path.endswith(".sh")

    # -- following argv ---------------------------------------------------------------------
    def run_argv(
        self, argv: tuple[str, ...], where: Where, depth: int, run_user: str | None
    ) -> None:
        """An argv the container executes as its process (entrypoint, or exec'd by a script)."""
        if depth > _MAX_DEPTH or not argv:
            return
        self.result.chain.append(argv)
        cmd = Command(argv, where.line, where.text or " ".join(argv))
        run_user = self.note_drops(cmd, where.file, run_user, guarded=False)
        for layer in layers(cmd):
            if layer.script:
                for c in layer.script:
                    self.command(c, where.file, [], depth + 1, run_user)
                return
        inner = unwrap(cmd)
        if not inner.argv:
            return
        string = shell_c_string(inner)
        if string is not None:
            params = (
                list(inner.argv[inner.argv.index(string) + 2 :]) if string in inner.argv else []
            )
            for c in parse_commands(string):
                c2 = Command(
                    c.argv,
                    where.line,
                    where.text,
                    c.assignments,
                    c.in_function,
                    c.background,
                    c.redirects,
                    True,
                )
                self.command(c2, where.file, params, depth + 1, run_user)
            return
        self.exec_program(inner.argv, where, depth, run_user, main=True)

    def exec_program(
        self,
        argv: tuple[str, ...],
        where: Where,
        depth: int,
        run_user: str | None,
        *,
        main: bool,
    ) -> bool:
        """Run ``argv``: analyze it if it is a shell script; returns True if it was one."""
        prog = argv[0]
        args = argv[1:]
        if basename(prog) in SHELLS and args and not args[0].startswith(("-", "+")):
            prog, args = args[0], args[1:]
        path, text = self.resolve(prog)
        if path is not None and text is not None and self.is_shell_script(text, path):
            self.script(path, text, list(args), depth + 1, run_user)
            return True
        self.result.programs.append(ProgramRun(argv, run_user, where.file, where.line, main))
        script_like = prog.endswith(".sh") or "entrypoint" in basename(prog) or "/" in prog
        # such paths are always captured by the image reader: not captured means absent,
        # unless the caller can tell us the path exists (a binary)
        known = path is not None and self.exists is not None and self.exists(path)
        if text is None and "$" not in prog and script_like and not known:
            self.unresolved(prog)
        return False

    def unresolved(self, prog: str) -> None:
        if prog not in self.result.unresolved:
            self.result.unresolved.append(prog)

    def visit(self, path: str) -> str:
        """The canonical spelling of a script path (``//e.sh``, ``/a/../e.sh`` and ``/e.sh``
        are one file to the loop guard), counted against :data:`MAX_VISITS`."""
        self.visits += 1
        if self.visits > MAX_VISITS:
            raise InputError(
                f"scripts run or source each other more than {MAX_VISITS} times; refusing"
            )
        if not path.startswith("/"):
            return posixpath.normpath(path)
        return "/" + posixpath.normpath(path).lstrip("/")

    def script(
        self, path: str, text: str, params: list[str], depth: int, run_user: str | None
    ) -> None:
        path = self.visit(path)
        if depth > _MAX_DEPTH or path in self.active or len(self.result.scripts) >= _MAX_SCRIPTS:
            return
        if path not in self.result.scripts:
            self.result.scripts.append(path)
        self.active.append(path)
        try:
            self.find_guard(path, text)
            self.learn_env(text)
            cmds = parse_commands(text)
            for cmd in self.define_functions(text, cmds):
                self.command(cmd, path, params, depth, run_user)
            for hook in self.hook_scripts(text):
                if hook in self.result.scripts:
                    continue
                hook_text = self.read(hook)
                if hook_text is not None and self.is_shell_script(hook_text, hook):
                    self.script(hook, hook_text, list(params), depth + 1, run_user)
        finally:
            self.active.pop()

    def define_functions(self, text: str, cmds: list[Command]) -> list[Command]:
        """Register the functions ``text`` defines; return its top-level commands."""
        for name in _FUNC_DEF.findall(text):
            self.functions.setdefault(name, [])
        for c in cmds:
            if c.in_function:
                self.functions.setdefault(c.in_function, []).append(c)
        return [c for c in cmds if not c.in_function]

    def call(self, name: str, args: list[str], file: str, depth: int, run_user: str | None) -> None:
        """Follow a call of a shell function into its body (recursion stops at the first
        repeat)."""
        if name in self.calling or depth > _MAX_DEPTH * 4:
            return
        self.calling.append(name)
        try:
            for c in self.functions.get(name, []):
                self.command(c, file, list(args), depth + 1, run_user)
        finally:
            self.calling.pop()

    def reachable(self, cmd: Command) -> bool:
        """False when a condition around ``cmd`` is decided against it."""
        for guard in cmd.guards:
            value = self.decide(guard.text)
            if value is not None and value != guard.holds:
                return False
        return True

    def decide(self, text: str) -> bool | None:
        """The value of a condition when the walk knows it: "am I root" for the user the
        container starts as, file tests on the image; None otherwise."""
        text = text.strip().rstrip(";").strip()
        if text.startswith("!") and not text.startswith("!="):
            inner = self.decide(text[1:])
            return None if inner is None else not inner
        if "||" in text or " -o " in text:
            return None
        parts = [p for p in re.split(r"&&| -a ", text) if p.strip()]
        if len(parts) > 1:
            values = [self.decide(p) for p in parts]
            if False in values:
                return False
            return True if all(v is True for v in values) else None
        m = _GUARD.search(text)
        if m:
            op = m.group(2) or m.group(5) or ""
            equal = op in ("=", "==", "-eq")
            negated = bool(re.search(r"\[\[?\s*!\s", text))
            return (self.result.starts_as_root == equal) != negated
        test = _FILE_TEST.fullmatch(text)
        if test and self.exists is not None:
            present = self.exists(test.group("path"))
            return None if present is None else present != bool(test.group("not"))
        return None

    def hook_scripts(self, text: str) -> list[str]:
        """``*.sh`` files of the hook directories a script runs (``for f in DIR/*.sh``,
        ``find DIR``, ``run-parts DIR``); init-db hooks (user data, first start only) excluded."""
        if self.list_paths is None:
            return []
        dirs: list[str] = []
        for line in text.split("\n"):
            if not _HOOK_LINE.search(line):
                continue
            for m in _HOOK_DIR.finditer(line):
                d = m.group(1).rstrip("/")
                if "initdb" not in d and d not in dirs:
                    dirs.append(d)
        if not dirs:
            return []
        if self._known is None:
            self._known = sorted(self.list_paths())
        out: list[str] = []
        for d in dirs:
            prefix = d + "/"
            out.extend(
                p
                for p in self._known
                if p.startswith(prefix) and p.endswith(".sh") and "/" not in p[len(prefix) :]
            )
        return out

    def find_guard(self, path: str, text: str) -> None:
        """Record the first UID check: a guard (works both ways) or a refusal to run non-root
        (``!= 0`` / ``-ne 0`` followed by a failing ``exit`` before ``fi``)."""
        lines = text.split("\n")
        for i, line in enumerate(lines, start=1):
            if line.lstrip().startswith("#"):
                continue
            m = _GUARD.search(line)
            if not m:
                continue
            op = m.group(2) or m.group(5) or ""
            if op in ("!=", "-ne") and _refuses(lines[i - 1 : i + 5]):
                if self.result.root_required is None:
                    self.result.root_required = Where(path, i, line.strip())
                continue
            if self.result.root_guard is None:
                self.result.root_guard = Where(path, i, line.strip())
            return

    def learn_env(self, text: str) -> None:
        """What the script leaves in its environment: evaluated where the shell's own rules
        can be followed (:mod:`unroot.shell.envfile`: conditions, ``${VAR:-x}``, sourced
        files), then literal assignments elsewhere as a fallback."""
        from unroot.shell.envfile import evaluate

        self.env = evaluate(text, self.env, exists=self.exists, read=self.read)
        self.learn_vars(text)

    def learn_vars(self, text: str) -> None:
        """Simple literal assignments and ``${VAR:=default}`` defaults, first value wins."""
        for line in text.split("\n"):
            m = _ASSIGN.match(line)
            if m:
                value = m.group(2)
                if value[:1] in ("'", '"'):
                    value = value[1:-1]
                self.env.setdefault(m.group(1), value)
            for d in _DEFAULT_ASSIGN.finditer(line):
                if "$" not in d.group(2) and "`" not in d.group(2):
                    self.env.setdefault(d.group(1), d.group(2).strip("'\""))

    # -- one command ------------------------------------------------------------------------
    def expand(self, word: str, params: list[str], script: str) -> list[str]:
        if word in ("$@", "${@}", "$*", "${*}"):
            return list(params)
        if word in ("$0", "${0}", "$BASH_SOURCE", "${BASH_SOURCE}", "${BASH_SOURCE[0]}"):
            return [script]
        m = re.fullmatch(r"\$\{?([1-9])\}?", word)
        if m:
            i = int(m.group(1)) - 1
            return [params[i]] if i < len(params) else [word]

        def sub(m: re.Match[str]) -> str:
            name = m.group(1) or m.group(4)
            if name in self.env:
                return self.env[name]
            if m.group(2) and "$" not in (m.group(3) or ""):
                return m.group(3) or ""
            return m.group(0)

        return [_VAR.sub(sub, word)] if "$" in word else [word]

    def command(
        self,
        cmd: Command,
        file: str,
        params: list[str],
        depth: int,
        run_user: str | None,
    ) -> None:
        if not self.reachable(cmd):
            return
        argv: list[str] = []
        for w in cmd.argv:
            argv.extend(self.expand(w, params, file))
        if not argv:
            return
        redirects = tuple(
            replace(r, target=(self.expand(r.target, params, file) or [r.target])[0])
            if "$" in r.target
            else r
            for r in cmd.redirects
        )
        c = Command(
            tuple(argv),
            cmd.line,
            cmd.text,
            cmd.assignments,
            cmd.in_function,
            cmd.background,
            redirects,
            cmd.via_shell_c,
        )
        name = basename(argv[0])
        if name == "set" and "--" in argv:
            new = argv[argv.index("--") + 1 :]
            if "$@" not in cmd.argv or not params or params[0].startswith("-"):
                params[:] = new
            return
        if name in ("source", "."):
            if len(argv) > 1:
                self.source(argv[1], file, params, depth, run_user)
            return
        before = run_user
        run_user = self.note_drops(c, file, run_user, guarded=self.result.root_guard is not None)
        for layer in layers(c):
            if layer.script:
                for inner_cmd in layer.script:
                    self.command(inner_cmd, file, [], depth, run_user)
                return
        inner = unwrap(c)
        if not inner.argv:
            return
        self.classify(inner, file)
        string = shell_c_string(inner)
        if string is not None:
            if string not in cmd.argv:  # it came from "$@": the parser never saw it
                for sub in parse_commands(string):
                    c3 = Command(
                        sub.argv,
                        c.line,
                        c.text,
                        sub.assignments,
                        sub.in_function,
                        sub.background,
                        sub.redirects,
                        True,
                    )
                    self.command(c3, file, [], depth + 1, run_user)
            return  # otherwise its commands were already emitted by the parser
        first = inner.argv[0]
        if first == file or (basename(first) == basename(file) and "$0" in " ".join(cmd.argv)):
            return  # re-exec of the script itself as another user: already being analyzed
        layer_tools = [p.tool for p in layers(c)]
        is_exec = bool(layer_tools) and (layer_tools[0] == "exec" or run_user != before)
        where = Where(file, c.line, c.text)
        if is_exec:
            self.result.chain.append(inner.argv)
            self.exec_program(inner.argv, where, depth, run_user, main=True)
        else:
            path, text = self.resolve(first)
            if path is not None and text is not None and self.is_shell_script(text, path):
                self.script(path, text, list(inner.argv[1:]), depth + 1, run_user)
            elif first in self.functions:
                self.call(first, list(inner.argv[1:]), file, depth, run_user)
            else:
                self.result.programs.append(ProgramRun(inner.argv, run_user, file, c.line))

    def source(
        self, target: str, file: str, params: list[str], depth: int, run_user: str | None
    ) -> None:
        if "$" in target:
            return
        path: str | None = (
            target if target.startswith("/") else posixpath.join(posixpath.dirname(file), target)
        )
        text = self.read(path) if path else None
        if text is None and "/" not in target:
            path, text = self.resolve(target)
        if text is None or path is None:
            self.unresolved(target)
            return
        path = self.visit(path)
        if depth + 1 > _MAX_DEPTH or path in self.active:
            return
        if path not in self.result.scripts:
            self.result.scripts.append(path)
        self.active.append(path)
        try:
            self.learn_env(text)
            self.find_guard(path, text)
            for c in self.define_functions(text, parse_commands(text)):
                self.command(c, path, params, depth + 1, run_user)
        finally:
            self.active.pop()

    def note_drops(
        self, cmd: Command, file: str, run_user: str | None, *, guarded: bool
    ) -> str | None:
        for layer in layers(cmd):
            if not layer.switches_user:
                continue
            user = layer.user or ""
            if layer.tool in ("sudo", "doas") and _is_root(user or "root"):
                continue
            if _is_root(user) and (layer.group is None or _is_root(layer.group)):
                continue
            self.result.drops.append(
                PrivilegeDrop(
                    layer.tool, user, layer.group, file, cmd.line, cmd.text, guarded=guarded
                )
            )
            run_user = user or run_user
        return run_user

    def classify(self, cmd: Command, file: str) -> None:
        r = self.result
        r.host_mods.extend(classify.host_modification(cmd, file))
        pkg = classify.package_install(cmd, file)
        if pkg is not None:
            r.package_installs.append(pkg)
        cap = classify.setcap(cmd, file)
        if cap is not None:
            r.setcaps.append(cap)
        r.chowns.extend(classify.ownership_change(cmd, file))
        r.created.extend(classify.created_paths(cmd, file))
        for w in classify.root_path_writes(cmd, file):
            key = (w.path, w.file, w.line)
            if key in self.seen_writes or "$" in w.path or "*" in w.path:
                continue
            blocked, reason = self.write_access(w)
            if blocked is False:
                continue
            self.seen_writes.add(key)
            r.root_writes.append(replace(w, reason=reason, certain=blocked is True))

    def write_access(self, w: RootPathWrite) -> tuple[bool | None, str]:
        """(blocked, why) for an arbitrary UID making this write: True, False, or None when the
        metadata (a file model, no tree) does not tell."""
        path = posixpath.normpath(w.path)
        for made in self.result.created:
            if (made.file, made.line) == (w.file, w.line):
                continue  # the write that makes it: that one must be possible
            inside = path.startswith(made.path.rstrip("/") + "/") and made.source is None
            in_place = path == made.path and w.how in ("redirect", "tee", "touch")
            if inside or in_place:
                return False, ""  # made earlier at start by the script: the running UID owns it
        if self.lookup is None:
            return None, ""
        model = AccessModel(self.lookup)
        if w.how == "mkdir":
            node = self.lookup(path)
            if node is not None and str(node.type) in ("dir", "unknown"):
                if str(node.type) == "dir":
                    return False, ""  # mkdir -p of an existing directory writes nothing
                return None, f"{path} is not known here"
            parent = path
            while parent not in ("/", "") and self.lookup(parent) is None:
                parent = posixpath.dirname(parent)
            access = model.check(parent, Need.CREATE_IN)
        else:
            access = model.check(path, Need.WRITE)
        if access.allowed:
            return False, ""
        if access.allowed is None and (access.node is None or str(access.node.type) == "unknown"):
            return None, ""  # nothing is known of the path: the base image decides
        return (True if access.allowed is False else None), access.reason

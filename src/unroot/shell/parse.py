"""Every simple command of a shell script, with its line, over a real shell parser.

Parser choice: **tree-sitter-bash** (py-tree-sitter + the tree-sitter-bash grammar wheel), not
bashlex. Tried both on the constructs entrypoints use:

- bashlex raises ``ParsingError`` on ``[[ ... ]]`` (used in nearly every official-image
  entrypoint: ``if [[ "$1" == -* ]]``), and on several ``case`` and function forms, and has no
  error recovery: one unsupported construct loses the whole script.
- tree-sitter-bash parses ``[[ ]]``, ``case``, functions, heredocs, ``$(...)``, process
  substitution and arithmetic; it never raises, and it isolates what it cannot parse in ``ERROR``
  nodes, so the rest of the script keeps exact commands and lines. It is a C parser: about
  0.07 ms for a 25-line entrypoint (bashlex 0.03 ms when it does not fail), well under the cost
  of walking the tree in Python either way.

What tree-sitter cannot parse (inside ``ERROR`` nodes) goes to a tolerant line-based tokenizer
(``shlex`` per logical line, backslash continuations joined, unterminated quotes tolerated), so
:func:`parse_commands` never raises.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import replace
from functools import cache
from typing import Any

from unroot.shell.command import Command, Guard, Redirect
from unroot.shell.words import basename, is_assignment, is_wrapper, layers, unwrap
from unroot.untrusted import is_decimal

__all__ = ["MAX_INPUT", "Command", "Redirect", "parse_commands"]

MAX_INPUT = 256 << 10
"""Scripts are truncated to this many characters (256 KiB, the image reader's capture limit;
entrypoints are a few KiB). Bounds the worst case: a 256 KiB script of one-word commands
parses in about a second on this machine."""
_UNSAFE = re.compile("[\U00040000-\U0010ffff]")
"""tree-sitter-bash 0.25 segfaults on some code points above plane 3 (e.g. ``{`` followed by
U+FF409, found by the property tests); no shell word needs them, so they become ``?``."""
_MAX_TREE_DEPTH = 200
_MAX_NESTING = 4
"""How deep ``sh -c '... sh -c "..."'`` strings are followed."""

SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox-sh"})

_KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "{", "}", "!", "time"}
)
_SKIP_LINE = frozenset({"for", "case", "select", "function", "esac", ";;"})


@cache
def _parser() -> Any:
    """The tree-sitter parser, built once (loading the grammar is the costly part)."""
    import tree_sitter
    import tree_sitter_bash

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


def parse_commands(
    script: str, *, line_offset: int = 0, _nesting: int = 0, _function: str | None = None
) -> list[Command]:
    """Every simple command of ``script`` in source order (see the module docstring).

    Includes commands inside ``&&``/``||`` lists, pipelines, ``if``/``while``/``for``/``case``
    bodies, subshells, ``{ }`` groups, ``$( )`` and process substitutions and function bodies,
    and the commands of ``sh -c '...'`` / ``su USER -c '...'`` strings (with the outer line).
    Bare assignments (``FOO=bar`` alone) are not commands and are not returned.
    """
    if len(script) > MAX_INPUT:
        cut = script.rfind("\n", 0, MAX_INPUT)
        script = script[: cut if cut > 0 else MAX_INPUT]
    script = _UNSAFE.sub("?", script.replace("\x00", " "))
    parser = _parser()
    src = script.encode("utf-8", "replace")
    tree = parser.parse(src)
    walker = _Walker(src, line_offset, _nesting)
    walker.visit(tree.root_node, _function, False, None, 0)
    return walker.out


def parse_tree(script: str) -> Any:
    """The tree-sitter tree of ``script``, with the code points that crash the grammar and NUL
    bytes neutralised (for evaluators that need the structure, not just the commands)."""
    script = _UNSAFE.sub("?", script.replace("\x00", " "))
    return _parser().parse(script.encode("utf-8", "replace"))


# -- word conversion ------------------------------------------------------------------------

_UNQUOTED_ESC = re.compile(r"\\(\n|.)", re.S)
_DQUOTED_ESC = re.compile(r"\\([$`\"\\\n])")
_VERBATIM = frozenset(
    {
        "simple_expansion",
        "expansion",
        "command_substitution",
        "process_substitution",
        "arithmetic_expansion",
    }
)


def _text(node: Any) -> str:
    return bytes(node.text).decode("utf-8", "replace")


def _unquoted(text: str) -> str:
    if "\\" not in text:
        return text
    return _UNQUOTED_ESC.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), text)


def _word(node: Any) -> str:
    """A word node after quote removal; expansions kept as written."""
    t = node.type
    if t == "raw_string":
        return _text(node)[1:-1]
    if t == "string":
        body = _text(node)
        body = body[1:-1] if len(body) >= 2 and body.endswith('"') else body[1:]
        return _DQUOTED_ESC.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), body)
    if t == "ansi_c_string":
        body = _text(node)[2:-1]
        try:
            return body.encode("latin-1", "backslashreplace").decode("unicode_escape")
        except (UnicodeDecodeError, UnicodeEncodeError):
            return body
    if t == "translated_string":
        return _word_string(_text(node)[1:])
    if t in _VERBATIM:
        return _text(node)
    if t in ("concatenation", "command_name"):
        parts: list[str] = []
        pos = node.start_byte
        for child in node.children:
            if child.start_byte > pos:
                parts.append(
                    _unquoted(
                        bytes(node.text)[
                            pos - node.start_byte : child.start_byte - node.start_byte
                        ].decode("utf-8", "replace")
                    )
                )
            if (
                child.type == "$"
                and child.next_sibling is not None
                and (child.next_sibling.type == "string")
            ):
                pos = child.end_byte
                continue
            parts.append(_word(child) if child.is_named else _unquoted(_text(child)))
            pos = child.end_byte
        if pos < node.end_byte:
            parts.append(
                _unquoted(bytes(node.text)[pos - node.start_byte :].decode("utf-8", "replace"))
            )
        return "".join(parts)
    return _unquoted(_text(node))


def _word_string(quoted: str) -> str:
    body = quoted[1:-1] if len(quoted) >= 2 else quoted
    return _DQUOTED_ESC.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), body)


def _assignment(node: Any) -> str:
    name = node.child_by_field_name("name")
    value = node.child_by_field_name("value")
    if name is None:
        return _text(node)
    op = "+=" if b"+=" in bytes(node.text)[: (name.end_byte - node.start_byte) + 2] else "="
    return _text(name) + op + (_word(value) if value is not None else "")


# -- the tree walk ----------------------------------------------------------------------------

_HAS_SUBST = re.compile(r"\$\(|`|[<>]\(")
_REDIRECTS = frozenset({"file_redirect", "herestring_redirect", "heredoc_redirect"})


class _Walker:
    def __init__(self, src: bytes, line_offset: int, nesting: int) -> None:
        self.src = src
        self.line_offset = line_offset
        self.nesting = nesting
        self.out: list[Command] = []
        self.guards: list[Guard] = []
        """Conditions around the node being visited (see :class:`Guard`)."""

    def line_of(self, node: Any) -> int:
        return int(node.start_point[0]) + 1 + self.line_offset

    def visit(self, node: Any, fn: str | None, bg: bool, outer: Any | None, depth: int) -> None:
        if depth > _MAX_TREE_DEPTH:
            return
        t = node.type
        if t == "ERROR":
            self.error(node, fn, depth)
            return
        if t == "command":
            self.command(node, fn, bg, outer, depth)
            return
        if t == "if_statement":
            self.if_statement(node, fn, depth)
            return
        if t == "list" and self.and_or(node, fn, bg, depth):
            return
        if t in ("declaration_command", "unset_command"):
            self.declaration(node, fn, bg, depth)
            return
        if t == "heredoc_body":
            return
        if t == "function_definition":
            name = node.child_by_field_name("name")
            fname = _text(name) if name is not None else fn
            for child in node.children:
                if child.type not in ("word", "function"):
                    self.visit(child, fname, False, None, depth + 1)
            return
        if t == "redirected_statement":
            body = node.child_by_field_name("body")
            for child in node.children:
                if body is not None and child.id == body.id:
                    self.visit(child, fn, bg, node, depth + 1)
                elif child.type in _REDIRECTS:
                    self.visit_substitutions(child, fn, depth + 1)
            return
        for child in node.children:
            nxt = child.next_sibling
            child_bg = bg or (nxt is not None and nxt.type == "&")
            self.visit(child, fn, child_bg, None, depth + 1)

    def guarded(self, nodes: list[Any], guards: list[Guard], fn: str | None, depth: int) -> None:
        """Visit ``nodes`` with ``guards`` added to the current conditions."""
        self.guards.extend(guards)
        try:
            for child in nodes:
                self.visit(child, fn, False, None, depth + 1)
        finally:
            del self.guards[len(self.guards) - len(guards) :]

    def if_statement(self, node: Any, fn: str | None, depth: int) -> None:
        """Conditions run as they are; each body under its condition, every ``elif`` and the
        ``else`` under the earlier conditions being false."""
        earlier: list[Guard] = []
        branches: list[tuple[list[Any], list[Any]]] = []
        cond: list[Any] = []
        body: list[Any] = []
        in_body = False
        for child in node.children:
            if child.type == "then":
                in_body = True
            elif child.type in ("elif_clause", "else_clause"):
                branches.append((cond, body))
                cond, body, in_body = [], [], child.type == "else_clause"
                for part in child.children:
                    if part.type == "then":
                        in_body = True
                    elif part.is_named and part.type != "comment":
                        (body if in_body else cond).append(part)
                if child.type == "else_clause":
                    branches.append(([], body))
                    cond, body = [], []
                    in_body = False
            elif child.is_named and child.type != "comment":
                (body if in_body else cond).append(child)
        if cond or body:
            branches.append((cond, body))
        for cond, body in branches:
            self.guarded(cond, earlier, fn, depth)
            if cond:
                text = " ; ".join(_text(c) for c in cond)
                self.guarded(body, [*earlier, Guard(text, True)], fn, depth)
                earlier = [*earlier, Guard(text, False)]
            else:
                self.guarded(body, earlier, fn, depth)

    def and_or(self, node: Any, fn: str | None, bg: bool, depth: int) -> bool:
        """``A && B`` runs B when A holds, ``A || B`` when it does not."""
        kids = [c for c in node.children if c.type != "comment"]
        if len(kids) != 3 or kids[1].type not in ("&&", "||"):
            return False
        left, op, right = kids
        self.visit(left, fn, bg, None, depth + 1)
        self.guarded([right], [Guard(_text(left), op.type == "&&")], fn, depth)
        return True

    def visit_substitutions(self, node: Any, fn: str | None, depth: int) -> None:
        """Commands nested in words: ``$( )``, backticks, ``<( )``."""
        if depth > _MAX_TREE_DEPTH:
            return
        for child in node.children:
            if child.type in ("command_substitution", "process_substitution"):
                self.visit(child, fn, False, None, depth + 1)
            elif child.type != "heredoc_body":
                self.visit_substitutions(child, fn, depth + 1)

    def redirects(self, node: Any) -> list[Redirect]:
        out: list[Redirect] = []
        for child in node.children:
            if child.type not in _REDIRECTS:
                continue
            fd = ""
            op = "<<<" if child.type == "herestring_redirect" else ""
            target = ""
            nested: list[Redirect] = []
            for part in child.children:
                if part.type == "file_descriptor":
                    fd = _text(part)
                elif part.type == "heredoc_start":
                    target = _text(part)
                elif part.type in _REDIRECTS:
                    nested = self.redirects(child)
                elif not part.is_named and not op:
                    op = _text(part)
                elif part.is_named and part.type not in ("heredoc_body", "heredoc_end"):
                    target = _word(part)
            out.append(Redirect(op=op, target=target, fd=fd))
            out.extend(nested)
        return out

    def command(self, node: Any, fn: str | None, bg: bool, outer: Any | None, depth: int) -> None:
        argv: list[str] = []
        assigns: list[str] = []
        first: Any | None = None
        for i, child in enumerate(node.children):
            field = node.field_name_for_child(i)
            if child.type == "variable_assignment":
                assigns.append(_assignment(child))
            elif field == "name":
                argv.append(_word(child))
                first = child
            elif field == "argument":
                argv.append(_word(child))
        redirects = self.redirects(node)
        if outer is not None:
            redirects.extend(self.redirects(outer))
        text_node = outer if outer is not None else node
        cmd = Command(
            argv=tuple(argv),
            line=self.line_of(first if first is not None else node),
            text=_text(text_node).strip(),
            assignments=tuple(assigns),
            in_function=fn,
            background=bg,
            redirects=tuple(redirects),
            guards=tuple(self.guards),
        )
        if argv:
            self.out.append(cmd)
            self.nested_shell(cmd, fn)
        if _HAS_SUBST.search(cmd.text):
            self.visit_substitutions(node, fn, depth + 1)

    def declaration(self, node: Any, fn: str | None, bg: bool, depth: int) -> None:
        argv: list[str] = []
        for child in node.children:
            if child.type == "variable_assignment":
                argv.append(_assignment(child))
            elif child.is_named:
                argv.append(_word(child))
            elif child.type not in ("&", ";"):
                argv.append(_text(child))
        if argv:
            self.out.append(
                Command(
                    tuple(argv),
                    self.line_of(node),
                    _text(node).strip(),
                    (),
                    fn,
                    bg,
                    guards=tuple(self.guards),
                )
            )
        self.visit_substitutions(node, fn, depth + 1)

    def nested_shell(self, cmd: Command, fn: str | None) -> None:
        """Commands run by ``sh -c 'STRING'`` or ``su USER -c 'STRING'``, at the outer line."""
        if self.nesting >= _MAX_NESTING:
            return
        first = basename(cmd.argv[0])
        if first not in SHELLS and not is_wrapper(first):
            return
        for layer in layers(cmd, parse_commands):
            if layer.script:
                self.out.extend(
                    replace(c, in_function=fn, guards=cmd.guards + c.guards) for c in layer.script
                )
                return
        inner = unwrap(cmd, parse_commands)
        string = shell_c_string(inner)
        if string is None:
            return
        for c in parse_commands(string, _nesting=self.nesting + 1, _function=fn):
            self.out.append(
                replace(
                    c, line=cmd.line, text=cmd.text, via_shell_c=True, guards=cmd.guards + c.guards
                )
            )

    def error(self, node: Any, fn: str | None, depth: int) -> None:
        """Unparseable region: use the line tokenizer on its text (its lines kept)."""
        text = _text(node)
        self.out.extend(_fallback(text, self.line_of(node) - 1, fn, self.nesting))


def shell_c_string(cmd: Command) -> str | None:
    """The STRING of ``sh -c STRING`` (also ``bash -ec``, ``sh -o pipefail -c``), else None."""
    if not cmd.argv or basename(cmd.argv[0]) not in SHELLS:
        return None
    args = cmd.argv[1:]
    has_c = False
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-o", "+o", "-O", "+O"):
            i += 2
            continue
        if a == "--":
            i += 1
            break
        if (a.startswith("-") or a.startswith("+")) and len(a) > 1 and not a.startswith("--"):
            if "c" in a[1:]:
                has_c = True
            i += 1
            continue
        if a.startswith("--"):
            i += 1
            continue
        break
    if not has_c or i >= len(args):
        return None
    return args[i]


# -- the tolerant fallback ------------------------------------------------------------------

_OPS = frozenset({";", "&&", "||", "|", "&", "|&", ";;", "(", ")", "\n"})
_REDIR_OPS = frozenset({">", ">>", "<", ">&", "&>", "<&", "<>", ">|", "&>>", "<<", "<<<", "<<-"})


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(0-based first line, text) with backslash continuations joined."""
    out: list[tuple[int, str]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        start = i
        buf = lines[i]
        while (
            buf.endswith("\\")
            and (len(buf) - len(buf.rstrip("\\"))) % 2 == 1
            and i + 1 < len(lines)
        ):
            i += 1
            buf = buf[:-1] + " " + lines[i]
        out.append((start, buf))
        i += 1
    return out


def _tokens(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:  # unterminated quote: keep going with plain words
        return line.split("#", 1)[0].split()


def _fallback(text: str, line_offset: int, fn: str | None, nesting: int) -> list[Command]:
    out: list[Command] = []
    for row, line in _logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        lineno = row + 1 + line_offset
        current: list[str] = []
        for tok in [*_tokens(stripped), ";"]:
            if tok in _OPS:
                cmd = _fallback_command(current, lineno, stripped, fn, tok == "&")
                if cmd is not None:
                    out.append(cmd)
                    string = shell_c_string(unwrap(cmd, parse_commands))
                    if string is not None and nesting < _MAX_NESTING:
                        for c in _fallback(string, 0, fn, nesting + 1):
                            out.append(replace(c, line=lineno, text=stripped, via_shell_c=True))
                current = []
            else:
                current.append(tok)
    return out


def _fallback_command(
    tokens: list[str], lineno: int, text: str, fn: str | None, bg: bool
) -> Command | None:
    words = list(tokens)
    while words and words[0] in _KEYWORDS:
        words.pop(0)
    if not words or words[0] in _SKIP_LINE or words[0].endswith("()"):
        return None
    assigns: list[str] = []
    while words and is_assignment(words[0]):
        assigns.append(words.pop(0))
    argv: list[str] = []
    redirects: list[Redirect] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in _REDIR_OPS:
            fd = ""
            if argv and is_decimal(argv[-1]) and len(argv) > 1:
                fd = argv.pop()
            target = words[i + 1] if i + 1 < len(words) else ""
            if target == "&" or (w.endswith("&") and is_decimal(target)):
                target = "&" + target.lstrip("&")
            redirects.append(Redirect(op=w, target=target, fd=fd))
            i += 2
            continue
        argv.append(w)
        i += 1
    if not argv:
        return None
    return Command(tuple(argv), lineno, text, tuple(assigns), fn, bg, tuple(redirects))

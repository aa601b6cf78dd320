"""The variables a sourced shell file leaves set: Apache's ``envvars``, ``/etc/default/*``.

These files are small programs, not key=value lists: Debian's ``envvars`` computes
``SUFFIX`` in an ``if`` on ``${APACHE_CONFDIR##/etc/apache2-}`` and builds
``APACHE_RUN_DIR=/var/run/apache2$SUFFIX`` from it. :func:`evaluate` runs the part of the
shell that such files use, over the real parse tree (tree-sitter-bash):

- assignments, ``export``/``readonly``/``local``/``declare`` (with or without a value), ``unset``;
- words with quotes, ``$VAR``, ``${VAR}``, ``${VAR:-x}``, ``${VAR-x}``, ``${VAR:=x}``,
  ``${VAR:+x}``, ``${VAR#p}``, ``${VAR##p}``, ``${VAR%p}``, ``${VAR%%p}`` (glob patterns);
- ``if``/``elif``/``else`` and ``A && B`` / ``A || B`` lists whose condition is a ``test`` /
  ``[ ]`` / ``[[ ]]`` of string comparisons, ``-n``/``-z``, and ``-e``/``-f``/``-d`` on the image
  (when the caller says what exists), ``true``/``false``, ``!``;
- ``. FILE`` / ``source FILE`` when the caller can read files.

Anything else (command substitution, arithmetic, loops, unknown conditions) makes the variables
it could set unknown: they are left out of the result rather than guessed. A condition that
cannot be decided keeps a variable only when every branch gives it the same value.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from typing import Any

from unroot.shell.parse import MAX_INPUT

_MAX_DEPTH = 4
_MAX_NODES = 20000
_MAX_SOURCES = 64
"""Files one evaluation may source in all: real env files source a few; a file sourcing the
next one a dozen times per level would otherwise be read and parsed thousands of times."""
_EXPANSION = re.compile(
    r"^\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?:(?P<op>:-|-|:=|=|:\+|\+|##|#|%%|%)(?P<arg>.*))?\}$",
    re.S,
)
_NOT_WORDS = frozenset(
    {"file_redirect", "heredoc_redirect", "herestring_redirect", "variable_assignment"}
)
_ABSENT = "\x00absent"
"""Marks a variable a branch leaves unset (no shell value contains a NUL byte)."""


class _Unknown(Exception):
    """A value or condition the evaluator cannot decide."""


def evaluate(
    text: str,
    env: Mapping[str, str] | None = None,
    *,
    exists: Callable[[str], bool | None] | None = None,
    read: Callable[[str], str | None] | None = None,
) -> dict[str, str]:
    """The environment after sourcing ``text`` on top of ``env`` (unknown values left out)."""
    state = _State(dict(env or {}), exists, read)
    state.run_text(text, 0)
    return {k: v for k, v in state.vars.items() if v is not None}


def expand_text(text: str, env: Mapping[str, str]) -> str | None:
    """Expand one shell word written as text (``/var/run/apache2$SUFFIX``); None if unknown."""
    state = _State(dict(env), None, None)
    tree = _parse(f"__x={text}")
    for node in _walk_named(tree.root_node):
        if node.type == "variable_assignment":
            value = node.child_by_field_name("value")
            try:
                return "" if value is None else state.word(value)
            except _Unknown:
                return None
    return None


def _parse(text: str) -> Any:
    from unroot.shell.parse import parse_tree

    return parse_tree(text[:MAX_INPUT])


def _walk_named(node: Any) -> list[Any]:
    out: list[Any] = []
    stack = [node]
    while stack and len(out) < _MAX_NODES:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(n.named_children))
    return out


def _text(node: Any) -> str:
    return bytes(node.text).decode("utf-8", "replace")


class _State:
    def __init__(
        self,
        env: Mapping[str, str | None],
        exists: Callable[[str], bool | None] | None,
        read: Callable[[str], str | None] | None,
    ) -> None:
        self.vars: dict[str, str | None] = dict(env)
        self.exists = exists
        self.read = read
        self.budget = _MAX_NODES
        self.sources = _MAX_SOURCES

    # -- statements -------------------------------------------------------------------------
    def run_text(self, text: str, depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        self.block(_parse(text).root_node.named_children, depth)

    def block(self, nodes: list[Any], depth: int) -> None:
        for node in nodes:
            self.budget -= 1
            if self.budget < 0:
                return
            self.statement(node, depth)

    def statement(self, node: Any, depth: int) -> None:
        t = node.type
        if t == "variable_assignment":
            self.assign(node)
        elif t == "declaration_command":
            for child in node.named_children:
                if child.type == "variable_assignment":
                    self.assign(child)
        elif t == "unset_command":
            for child in node.named_children:
                if child.type == "variable_name":
                    self.vars.pop(_text(child), None)
        elif t == "if_statement":
            self.if_statement(node, depth)
        elif t == "list":
            self.and_or(node, depth)
        elif t == "command":
            self.command(node, depth)
        elif t in ("comment", "test_command", "function_definition"):
            return  # a function only defines; its body runs where it is called
        else:
            self.forget(node)

    def assign(self, node: Any) -> None:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is None:
            return
        key = _text(name)
        if key.endswith("]"):
            return  # array element
        try:
            self.vars[key] = "" if value is None else self.word(value)
        except _Unknown:
            self.vars[key] = None

    def command(self, node: Any, depth: int) -> None:
        words = self.words(node)
        if words is None or not words:
            self.forget(node)
            return
        if words[0] in (".", "source") and len(words) > 1 and self.read is not None:
            self.sources -= 1
            if self.sources < 0:
                return  # as for a file it cannot read
            text = self.read(words[1])
            if text is not None:
                self.run_text(text, depth + 1)
            return
        if words[0] == "export" or words[0] == "unset":
            return
        # any other command: it may run programs, but sets no variable of this shell

    def if_statement(self, node: Any, depth: int) -> None:
        # children: condition(s) until "then", body until elif/else/fi
        branches: list[tuple[list[Any], list[Any]]] = []
        cond: list[Any] = []
        body: list[Any] = []
        stage = "cond"
        else_body: list[Any] | None = None
        for child in node.children:
            if child.type == "then":
                stage = "body"
            elif child.type == "elif_clause":
                branches.append((cond, body))
                cond, body, stage = [], [], "cond"
                sub_stage = "cond"
                for c in child.children:
                    if c.type == "then":
                        sub_stage = "body"
                    elif c.is_named and c.type != "comment":
                        (cond if sub_stage == "cond" else body).append(c)
            elif child.type == "else_clause":
                else_body = [c for c in child.named_children if c.type != "comment"]
            elif child.is_named and child.type != "comment":
                (cond if stage == "cond" else body).append(child)
        branches.append((cond, body))
        self.branches(branches, else_body or [], depth)

    def branches(
        self, branches: list[tuple[list[Any], list[Any]]], else_body: list[Any], depth: int
    ) -> None:
        for i, (cond, body) in enumerate(branches):
            try:
                taken = self.condition_list(cond)
            except _Unknown:
                self.undecided(branches[i:], else_body, depth)
                return
            if taken:
                self.block(body, depth)
                return
        self.block(else_body, depth)

    def undecided(
        self, branches: list[tuple[list[Any], list[Any]]], else_body: list[Any], depth: int
    ) -> None:
        """Run every branch on a copy; keep a variable only where all outcomes agree."""
        outcomes: list[dict[str, str | None]] = []
        for body in [b for _c, b in branches] + [else_body]:
            fork = _State(self.vars, self.exists, self.read)
            fork.block(body, depth)
            outcomes.append(fork.vars)
        for key in set().union(*outcomes):
            values = {o.get(key, _ABSENT) for o in outcomes}
            if len(values) != 1:
                self.vars[key] = None
                continue
            only = values.pop()
            if only == _ABSENT:
                self.vars.pop(key, None)
            else:
                self.vars[key] = only

    def and_or(self, node: Any, depth: int) -> None:
        kids = [c for c in node.children if c.type != "comment"]
        if len(kids) != 3 or kids[1].type not in ("&&", "||"):
            self.forget(node)
            return
        left, op, right = kids
        try:
            ok = self.condition(left)
        except _Unknown:
            self._maybe(right, depth)
            return
        if (op.type == "&&") == ok:
            self.statement(right, depth)

    def _maybe(self, node: Any, depth: int) -> None:
        """``COND && CMD`` with COND undecided: what CMD would change becomes unknown."""
        fork = _State(self.vars, self.exists, self.read)
        fork.statement(node, depth)
        for key in set(fork.vars) | set(self.vars):
            before = self.vars.get(key, _ABSENT)
            after = fork.vars.get(key, _ABSENT)
            if before != after:
                self.vars[key] = None

    def forget(self, node: Any) -> None:
        """A construct not evaluated: every variable it assigns becomes unknown."""
        for n in _walk_named(node):
            if n.type == "variable_assignment":
                name = n.child_by_field_name("name")
                if name is not None:
                    self.vars[_text(name)] = None
            elif n.type == "command":
                words = [_text(c) for c in n.named_children]
                if words and words[0] in ("read", "getopts"):
                    for w in words[1:]:
                        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", w):
                            self.vars[w] = None

    # -- conditions ---------------------------------------------------------------------------
    def condition_list(self, nodes: list[Any]) -> bool:
        if not nodes:
            raise _Unknown
        result = False
        for n in nodes:
            result = self.condition(n)
        return result

    def condition(self, node: Any) -> bool:
        t = node.type
        if t == "test_command":
            inner = [c for c in node.named_children if c.type != "comment"]
            if len(inner) != 1:
                raise _Unknown
            return self.expression(inner[0])
        if t == "command":
            words = self.words(node)
            if not words:
                raise _Unknown
            if words[0] == "true":
                return True
            if words[0] == "false":
                return False
            if words[0] == "test":
                return self.test_words(words[1:])
            if words[0] == "[" and words[-1] == "]":
                return self.test_words(words[1:-1])
            raise _Unknown
        if t == "negated_command":
            inner = node.named_children
            if len(inner) != 1:
                raise _Unknown
            return not self.condition(inner[0])
        if t == "list":
            kids = [c for c in node.children if c.type != "comment"]
            if len(kids) == 3 and kids[1].type in ("&&", "||"):
                left = self.condition(kids[0])
                if kids[1].type == "&&":
                    return left and self.condition(kids[2])
                return left or self.condition(kids[2])
        raise _Unknown

    def expression(self, node: Any) -> bool:
        t = node.type
        if t == "parenthesized_expression" and len(node.named_children) == 1:
            return self.expression(node.named_children[0])
        if t == "unary_expression":
            kids = node.children
            if kids and kids[0].type == "!":
                return not self.expression(node.named_children[-1])
            if len(kids) == 2 and kids[0].type == "test_operator":
                return self.unary(_text(kids[0]), self.word(kids[1]))
            raise _Unknown
        if t == "binary_expression":
            kids = node.children
            if len(kids) != 3:
                raise _Unknown
            op = _text(kids[1])
            if op in ("&&", "-a"):
                return self.expression(kids[0]) and self.expression(kids[2])
            if op in ("||", "-o"):
                return self.expression(kids[0]) or self.expression(kids[2])
            left = self.word(kids[0])
            if kids[2].type in ("extglob_pattern", "regex"):
                if op in ("==", "=", "!="):
                    hit = fnmatch.fnmatchcase(left, _text(kids[2]))
                    return hit if op != "!=" else not hit
                raise _Unknown
            return self.binary(left, op, self.word(kids[2]))
        # a lone word: true when non-empty
        return self.word(node) != ""

    def test_words(self, words: list[str]) -> bool:
        if words[:1] == ["!"]:
            return not self.test_words(words[1:])
        if len(words) == 1:
            return words[0] != ""
        if len(words) == 2:
            return self.unary(words[0], words[1])
        if len(words) == 3:
            return self.binary(words[0], words[1], words[2])
        raise _Unknown

    def unary(self, op: str, value: str) -> bool:
        if op == "-n":
            return value != ""
        if op == "-z":
            return value == ""
        if op in ("-e", "-f", "-d", "-r", "-x", "-s", "-L", "-h") and self.exists is not None:
            present = self.exists(value) if value.startswith("/") else None
            if present is None:
                raise _Unknown
            return present
        raise _Unknown

    @staticmethod
    def binary(left: str, op: str, right: str) -> bool:
        if op in ("=", "=="):
            return left == right
        if op == "!=":
            return left != right
        if op in ("-eq", "-ne", "-lt", "-le", "-gt", "-ge"):
            try:
                a, b = int(left), int(right)
            except ValueError as exc:
                raise _Unknown from exc
            return {
                "-eq": a == b,
                "-ne": a != b,
                "-lt": a < b,
                "-le": a <= b,
                "-gt": a > b,
                "-ge": a >= b,
            }[op]
        raise _Unknown

    # -- words --------------------------------------------------------------------------------
    def words(self, node: Any) -> list[str] | None:
        out: list[str] = []
        try:
            for child in node.named_children:
                if child.type == "command_name":
                    out.append(
                        self.word(child.named_children[0] if child.named_children else child)
                    )
                elif (
                    child.type in ("file_redirect", "heredoc_redirect", "herestring_redirect")
                    or child.type == "variable_assignment"
                ):
                    continue
                else:
                    out.append(self.word(child))
        except _Unknown:
            return None
        return out

    def word(self, node: Any) -> str:
        t = node.type
        if t in ("word", "number", "test_operator", "extglob_pattern"):
            return _unescape(_text(node))
        if t == "raw_string":
            return _text(node)[1:-1]
        if t == "string":
            parts: list[str] = []
            for c in node.children:
                if c.type == '"':
                    continue
                if c.type == "string_content":
                    parts.append(re.sub(r"\\([$`\"\\])", r"\1", _text(c)))
                else:
                    parts.append(self.word(c))
            return "".join(parts)
        if t == "simple_expansion":
            name = _text(node)[1:]
            return self.value(name)
        if t == "expansion":
            return self.expansion(_text(node))
        if t == "concatenation":
            return "".join(self.word(c) for c in node.children)
        if t == "command_name":
            return "".join(self.word(c) for c in node.children)
        raise _Unknown

    def value(self, name: str) -> str:
        if name not in self.vars:
            return ""  # unset variables expand to nothing
        value = self.vars[name]
        if value is None:
            raise _Unknown
        return value

    def expansion(self, text: str) -> str:
        m = _EXPANSION.match(text)
        if m is None:
            raise _Unknown
        name, op, arg = m.group("name"), m.group("op"), m.group("arg") or ""
        known = name in self.vars
        current = self.vars.get(name, "")
        if current is None:
            raise _Unknown
        if op is None:
            return current
        arg_value = expand_text(arg, {k: v for k, v in self.vars.items() if v is not None})
        if arg_value is None:
            raise _Unknown
        if op in (":-", ":="):
            if current == "":
                if op == ":=":
                    self.vars[name] = arg_value
                return arg_value
            return current
        if op in ("-", "="):
            if not known:
                if op == "=":
                    self.vars[name] = arg_value
                return arg_value
            return current
        if op == ":+":
            return arg_value if current else ""
        if op == "+":
            return arg_value if known else ""
        return _trim(current, op, arg_value)


def _trim(value: str, op: str, pattern: str) -> str:
    """``#``/``##`` remove the shortest/longest matching prefix, ``%``/``%%`` a suffix."""
    cuts = range(len(value) + 1)
    if op in ("#", "##"):
        order = cuts if op == "#" else reversed(cuts)
        for i in order:
            if fnmatch.fnmatchcase(value[:i], pattern):
                return value[i:]
        return value
    order = reversed(cuts) if op == "%" else cuts
    for i in order:
        if fnmatch.fnmatchcase(value[i:], pattern):
            return value[:i]
    return value


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text) if "\\" in text else text

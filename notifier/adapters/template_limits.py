"""Limits for rendering staff-written message templates, so that no template can burn the CPU
or the memory of the web process or a worker (issue 16, weakness 2).

Jinja2's ``ImmutableSandboxedEnvironment`` already stops templates from reaching Python
internals or changing lists and dicts. On top of it, per render:

- ``range`` gives at most ``MAX_RANGE`` numbers; all loops together run at most
  ``MAX_ITERATIONS`` times (every ``{% for %}`` is wrapped at parse time);
- calls (macros, methods, ``loop(...)``) are counted too and nest at most ``MAX_DEPTH`` deep,
  and numbers passed to filters and methods (widths, counts) are capped;
- ``*``, ``**``, ``+``, ``%`` and ``~`` refuse results longer than ``MAX_TEXT``;
- the output stops at ``MAX_OUTPUT`` characters and the whole render at ``MAX_SECONDS``;
- ``namespace`` and ``lipsum`` (the only ways to grow a value across loop turns, or to make
  text from nothing) are not available.

A template over a limit raises ``TemplateTooCostly`` with a Dutch message for the editor."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from jinja2 import nodes
from jinja2.environment import Template
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.parser import Parser
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

MAX_RANGE = 1_000
MAX_ITERATIONS = 10_000  # loop turns plus calls, per render
MAX_NUMBER = 10_000  # a width, count or length given to a filter or method
MAX_TEXT = 20_000  # characters (or items) of any value made while rendering
MAX_OUTPUT = 20_000  # characters of the rendered text
MAX_SECONDS = 1.0
MAX_EXPONENT = 64
MAX_DEPTH = 30  # calls within calls (macros calling macros, recursive loops)

_WIDE_FORMAT = re.compile(r"%[-+ #0]*(\*|\d{5,})|\{[^{}]*:[^{}]*\d{5,}[^{}]*\}")
_HIDDEN = "_ks_limit_"


class TemplateTooCostly(SecurityError):
    """The template would take too much time or memory to render."""


def _refuse(what: str) -> TemplateTooCostly:
    return TemplateTooCostly(
        f"Deze tekst vraagt te veel rekenwerk ({what}). Maak de tekst eenvoudiger: "
        "zonder grote herhalingen of vermenigvuldigde tekst."
    )


@dataclass
class _Budget:
    deadline: float
    spent: int = 0
    depth: int = 0
    started: float = field(default_factory=time.monotonic)

    def spend(self) -> None:
        self.spent += 1
        if self.spent > MAX_ITERATIONS:
            raise _refuse(f"meer dan {MAX_ITERATIONS} herhalingen")
        if time.monotonic() > self.deadline:
            raise _refuse(f"langer dan {MAX_SECONDS:g} seconde")


_BUDGET: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


def _spend() -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.spend()


def _sized(value: Any) -> Any:
    if isinstance(value, str | bytes | list | tuple | dict) and len(value) > MAX_TEXT:
        raise _refuse(f"een waarde van meer dan {MAX_TEXT} tekens")
    return value


def _check_args(args: Iterable[Any]) -> None:
    for arg in args:
        if isinstance(arg, bool):
            continue
        if isinstance(arg, int | float) and abs(arg) > MAX_NUMBER:
            raise _refuse(f"het getal {arg} is groter dan {MAX_NUMBER}")
        if isinstance(arg, str) and _WIDE_FORMAT.search(arg):
            raise _refuse("een opmaak van meer dan 9999 tekens breed")
        _sized(arg)


def _limited_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    skip = 2 if getattr(func, "jinja_pass_arg", None) else 1  # the context and/or the value

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _spend()
        _check_args(args[skip:])
        _check_args(kwargs.values())
        if func.__name__ == "do_replace" and len(args) >= skip + 2:
            _replace_size(args[skip - 1], args[skip], args[skip + 1])
        if func.__name__ == "do_format" and len(args) >= skip:
            _check_args([args[skip - 1]])  # the format string itself
        return _sized(func(*args, **kwargs))

    return wrapper


def _replace_size(value: Any, old: Any, new: Any) -> None:
    text, old, new = str(value), str(old), str(new)
    count = text.count(old) if old else len(text) + 1
    if len(text) + count * len(new) > MAX_TEXT:
        raise _refuse(f"een vervanging van meer dan {MAX_TEXT} tekens")


def _limited_range(*args: int) -> range:
    _check_args(args)
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise _refuse(f"een reeks van meer dan {MAX_RANGE} getallen")
    return numbers


def _counted(iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        _spend()
        yield item


def _concat(*parts: Any) -> str:
    _spend()
    if sum(len(str(p)) for p in parts) > MAX_TEXT:
        raise _refuse(f"een tekst van meer dan {MAX_TEXT} tekens")
    return "".join(str(p) for p in parts)


class _Guard(NodeTransformer):
    """Wraps every loop's sequence in a counter and turns ``a ~ b`` into a checked join."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Call(
            nodes.Name(_HIDDEN + "loop", "load"), [node.iter], [], None, None, lineno=node.lineno
        )
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        name = nodes.Name(_HIDDEN + "concat", "load")
        return nodes.Call(name, list(node.nodes), [], None, None, lineno=node.lineno)


class LimitedTemplate(Template):
    def render(self, *args: Any, **kwargs: Any) -> str:
        token = _BUDGET.set(_Budget(time.monotonic() + MAX_SECONDS))
        try:
            size, parts = 0, []
            for part in self.root_render_func(self.new_context(dict(*args, **kwargs))):
                size += len(part)
                if size > MAX_OUTPUT:
                    raise _refuse(f"een uitkomst van meer dan {MAX_OUTPUT} tekens")
                parts.append(part)
            return "".join(parts)
        except Exception:
            self.environment.handle_exception()
        finally:
            _BUDGET.reset(token)


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """The environment for every template staff can write (messages and system texts)."""

    template_class = LimitedTemplate
    intercepted_binops = frozenset(["*", "**", "+", "%", "//"])

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _limited_filter(f) for name, f in self.filters.items()}
        for unsafe in ("namespace", "lipsum"):
            self.globals.pop(unsafe, None)
        self.globals["range"] = _limited_range
        self.globals[_HIDDEN + "loop"] = _counted
        self.globals[_HIDDEN + "concat"] = _concat

    def parse(
        self, source: str, name: str | None = None, filename: str | None = None
    ) -> nodes.Template:
        """The template as written (for checks that read it), without the guards."""
        try:
            return Parser(self, source, name, filename).parse()
        except TemplateSyntaxError:
            self.handle_exception(source=source)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """What gets compiled: the template with every loop counted and ``~`` checked."""
        tree = super()._parse(source, name, filename)
        guarded = _Guard().visit(tree)
        if not isinstance(guarded, nodes.Template):  # fail closed: never compile it unguarded
            raise TypeError("the template guard did not return a template")
        return guarded

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _spend()
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise _refuse(f"een macht groter dan {MAX_EXPONENT}")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                sequence = isinstance(seq, str | list | tuple) and isinstance(times, int)
                if sequence and len(seq) * times > MAX_TEXT:
                    raise _refuse(f"een tekst van meer dan {MAX_TEXT} tekens")
        if operator == "%" and isinstance(left, str):
            _check_args([left])
        return _sized(super().call_binop(context, operator, left, right))

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, str) and attribute in ("format", "format_map"):
            _check_args([obj])  # "{:>999999999}".format(1)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, str) and argument in ("format", "format_map"):
            _check_args([obj])
        return super().getitem(obj, argument)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _spend()
        if __obj is not _limited_range and __obj is not _counted and __obj is not _concat:
            _check_args(args)
            _check_args(kwargs.values())
            bound_to = getattr(__obj, "__self__", None)
            if isinstance(bound_to, str):  # a string method: "{:>99999}".format(...)
                _check_args([bound_to])
            if getattr(__obj, "__name__", "") == "replace" and len(args) >= 2:
                _replace_size(bound_to or "", args[0], args[1])
        budget = _BUDGET.get()
        if budget is None:
            return _sized(super().call(__context, __obj, *args, **kwargs))
        budget.depth += 1
        try:
            if budget.depth > MAX_DEPTH:
                raise _refuse(f"meer dan {MAX_DEPTH} aanroepen in elkaar")
            return _sized(super().call(__context, __obj, *args, **kwargs))
        finally:
            budget.depth -= 1

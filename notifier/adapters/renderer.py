"""Jinja2 rendering of message templates in a sandbox with StrictUndefined, and with limits on
loops, size and time (``template_limits``): a template is staff-written input.

An email template is ``Subject: ...``, a blank line, then plain-text paragraphs; the HTML part
is generated from that text, so a message is never written twice.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from jinja2 import DictLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from notifier.adapters.template_limits import LimitedSandbox
from notifier.domain.errors import InputError

_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]")


@dataclass(frozen=True, slots=True)
class Email:
    subject: str
    text: str
    html: str


def environment(templates: dict[str, dict[str, str]]) -> SandboxedEnvironment:
    """Staff write these templates: rendered with limits on loops, size and time."""
    sources = {
        f"{lang}/{name}": src for lang, names in templates.items() for name, src in names.items()
    }
    return LimitedSandbox(
        loader=DictLoader(sources),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


class Renderer:
    def __init__(self, templates: dict[str, dict[str, str]]) -> None:
        self.env = environment(templates)

    def render(self, language: str, name: str, context: dict[str, Any]) -> str:
        return self.env.get_template(f"{language}/{name}").render(context)

    def sms(self, language: str, name: str, context: dict[str, Any]) -> str:
        return " ".join(self.render(language, name, context).split())

    def email(self, language: str, name: str, context: dict[str, Any]) -> Email:
        return split_email(self.render(language, name, context))


def split_email(rendered: str) -> Email:
    head, _, body = rendered.strip().partition("\n")
    if not head.lower().startswith("subject:"):
        raise InputError("an email template must start with a 'Subject:' line")
    subject = head.split(":", 1)[1].strip()
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
    if not subject or not paragraphs:
        raise InputError("an email needs a subject and a body")
    text = "\n\n".join(paragraphs) + "\n"
    return Email(subject, text, to_html(subject, paragraphs))


def _linkify(paragraph: str) -> str:
    out, last = [], 0
    for match in _URL.finditer(paragraph):
        out.append(html.escape(paragraph[last : match.start()]))
        url = html.escape(match.group(0))
        out.append(f'<a href="{url}">{url}</a>')
        last = match.end()
    out.append(html.escape(paragraph[last:]))
    return "".join(out)


def to_html(subject: str, paragraphs: list[str]) -> str:
    body = "\n".join(f"<p>{_linkify(p)}</p>" for p in paragraphs)
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n"
        '<body style="font-family:Arial,sans-serif;font-size:16px;line-height:1.5;'
        f'max-width:36em">\n{body}\n</body></html>\n'
    )

"""Care for the content: facts past their review date, translations missing, steps without a
source. Shown on the editor's front page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from notifier.domain.programme import DEFAULT_LANGUAGE, Programme, template_name


@dataclass(frozen=True, slots=True)
class Translation:
    language: str
    present: int
    expected: int
    missing: tuple[str, ...]  # template names

    @property
    def percent(self) -> int:
        return 100 if not self.expected else round(100 * self.present / self.expected)


@dataclass(frozen=True, slots=True)
class CareReport:
    overdue: tuple[tuple[str, date], ...]  # (step key, review_by) whose date has passed
    due_soon: tuple[tuple[str, date], ...]  # within the next 60 days
    without_source: tuple[str, ...]
    translations: tuple[Translation, ...] = field(default_factory=tuple)

    @property
    def all_well(self) -> bool:
        return not (
            self.overdue or self.without_source or any(t.missing for t in self.translations)
        )


def care_report(programme: Programme, today: date, languages: tuple[str, ...] = ()) -> CareReport:
    """``languages``: those the service offers besides Dutch (besides those with any text)."""
    overdue = tuple(
        (s.key, s.review_by) for s in programme.steps if s.review_by and s.review_by < today
    )
    soon = tuple(
        (s.key, s.review_by)
        for s in programme.steps
        if s.review_by and today <= s.review_by and (s.review_by - today).days <= 60
    )
    without = tuple(s.key for s in programme.steps if not s.source.strip())
    expected = [template_name(s.key, c) for s in programme.steps for c in s.channels]
    translations = []
    for lang in sorted((set(programme.languages) | set(languages)) - {DEFAULT_LANGUAGE}):
        present = programme.templates.get(lang, {})
        missing = tuple(n for n in expected if n not in present)
        translations.append(Translation(lang, len(expected) - len(missing), len(expected), missing))
    return CareReport(overdue, soon, without, tuple(translations))


def review_reminder(
    overdue: tuple[tuple[str, date], ...], sources: dict[str, str], editor_url: str
) -> tuple[str, str]:
    """The daily email to authors (subject, text), in Dutch like the editor: which steps are
    past their review date, oldest first, with their source and where to change them."""
    steps = sorted(overdue, key=lambda item: (item[1], item[0]))
    count = "1 stap" if len(steps) == 1 else f"{len(steps)} stappen"
    lines = [
        f"- {key}: controleren vóór {day} (bron: {sources.get(key) or 'geen'})"
        for key, day in steps
    ]
    text = (
        f"De controledatum van {count} in het gepubliceerde programma is verstreken. "
        "Kijk of de feiten nog kloppen met de bron, en pas de tekst of de datum aan in een "
        "concept:\n\n" + "\n".join(lines) + f"\n\n{editor_url}\n\n"
        "U krijgt deze e-mail elke dag zolang er stappen te controleren zijn."
    )
    keys = ", ".join(key for key, _ in steps)
    return f"[Kansrijke Start] Controleren: {keys}"[:200], text

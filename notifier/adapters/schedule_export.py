"""A programme back to files: ``schedules/*.yaml`` and ``templates/<language>/*.j2``, in the
format ``notifier schedules check`` and ``schedules publish`` read (docs/schedule-format.md).
Loading the files again gives an equal programme."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import yaml

from notifier.adapters import programme_store
from notifier.adapters.schedule_files import LOCATIONS_FILE, OFFERS_FILE
from notifier.domain.errors import InputError
from notifier.domain.programme import Programme

_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HEADER = "# Exported from the Kansrijke Start editor ({what}). Format: docs/schedule-format.md\n"


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def files_of(programme: Programme, what: str = "a programme version") -> dict[str, str]:
    """Relative path -> file content."""
    doc = programme_store.to_document(programme)
    steps = []
    for raw, step in zip(doc["steps"], programme.steps, strict=True):
        item: dict[str, Any] = {k: v for k, v in raw.items() if v is not None}
        if not step.first_child_only:
            item.pop("first_child_only")
        if step.review_by is not None:
            item["review_by"] = step.review_by  # a YAML date, as people write it
        steps.append(item)
    name = programme.name if _NAME.match(programme.name) else "programme"
    files = {
        f"schedules/{name}.yaml": HEADER.format(what=what)
        + _dump({"programme": programme.name, "steps": steps}),
        f"schedules/{LOCATIONS_FILE}": HEADER.format(what=what)
        + _dump({"default": doc["locations"]["default"], "locations": doc["locations"]["items"]}),
    }
    if programme.offers:
        files[f"schedules/{OFFERS_FILE}"] = HEADER.format(what=what) + _dump(
            {"offers": doc["offers"]}
        )
    for lang, names in sorted(programme.templates.items()):
        for template, source in sorted(names.items()):
            files[f"templates/{lang}/{template}"] = source
    return files


def write_programme(programme: Programme, root: Path, what: str = "a programme version") -> int:
    """Write the files under ``root`` (which must be empty or new); returns how many."""
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise InputError(f"{root}: not an empty directory")
    files = files_of(programme, what)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(content)
    return len(files)


def zip_programme(programme: Programme, what: str = "a programme version") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative, content in files_of(programme, what).items():
            archive.writestr(relative, content)
    return buffer.getvalue()

"""Bringing a database to the current schema with a programme in force."""

from __future__ import annotations

from datetime import date

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.migrate import upgrade
from notifier.services.ports import Runtime
from notifier.services.publishing import Published, current_version, load_checked, publish


def upgrade_database(app: Runtime) -> Published | None:
    """Migrate to head; publish the shipped default programme when none is published yet."""
    upgrade(app.settings.database_url)
    with unit_of_work(app.factory) as session:
        if current_version(session) is not None:
            return None
        programme = load_checked(
            app.settings.schedules_dir, app.settings.templates_dir, date.today()
        )
        return publish(session, programme, "system (db upgrade)", "the shipped default programme")

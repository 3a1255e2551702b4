"""Shared fixtures: real databases (SQLite and PostgreSQL), the fixture programme, an app.

PostgreSQL comes from NOTIFIER_TEST_POSTGRES_URL (default: the local server). When it is not
reachable the tests that need it fail: they never skip.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.migrate import upgrade
from notifier.adapters.db.tables import Base
from notifier.bootstrap import App, build
from notifier.config import Settings
from notifier.domain.programme import Programme
from notifier.services.publishing import load_checked, publish

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"
POSTGRES = os.environ.get("NOTIFIER_TEST_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes() -> Iterator[None]:
    """argon2id with the library's test profile in this process: the same code path, a fraction
    of the CPU (the production parameters cost ~50 ms a hash, and the staff tests hash a lot).
    Servers started as processes of their own keep the production parameters."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from notifier.adapters import passwords

    kept = passwords._hasher, passwords._DUMMY
    passwords._hasher = PasswordHasher.from_parameters(CHEAPEST)
    passwords._DUMMY = passwords._hasher.hash("not a password of anyone")
    yield
    passwords._hasher, passwords._DUMMY = kept


@pytest.fixture(scope="session")
def mini_programme() -> Programme:
    return load_checked(MINI / "schedules", MINI / "templates", date(2026, 1, 1))


@pytest.fixture(scope="session")
def default_programme() -> Programme:
    return load_checked(ROOT / "schedules", ROOT / "templates", date(2026, 11, 29))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:  # fold the WAL into the file before copying it
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def _postgres_database(worker_id: str) -> Iterator[str]:
    """A database of its own per xdist worker, migrated once."""
    name = f"notifier_test_{worker_id}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """This run's migrated PostgreSQL database, emptied again after the test."""
    url = request.getfixturevalue("_postgres_database")
    yield url
    engine = create_engine(url)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: every SQL test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "notifier.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    yield request.getfixturevalue("postgres_url")


def make_settings(database_url: str, var: Path, programme_dir: Path = MINI) -> Settings:
    return Settings(
        database_url=database_url, var_dir=var, environment="test",
        schedules_dir=programme_dir / "schedules", templates_dir=programme_dir / "templates",
        public_url="https://kansrijkestart.test",
    )


@pytest.fixture
def app(database_url: str, tmp_path: Path, mini_programme: Programme) -> Iterator[App]:
    """The wired application on a fresh database with the fixture programme published."""
    application = build(make_settings(database_url, tmp_path / "var"))
    with unit_of_work(application.factory) as session:
        publish(session, mini_programme, "tests")
    yield application
    application.engine.dispose()

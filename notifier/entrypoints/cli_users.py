"""``notifier users ...``: staff accounts on the command line (the first admin starts here)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from notifier.domain.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from notifier.adapters.db.tables import StaffUser


@click.group()
def users() -> None:
    """Staff accounts for the /staff pages (roles: author, reviewer, admin, viewer)."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, help="author | reviewer | admin | viewer")
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def users_create(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create an account. The password is read from stdin (never from the command line)."""
    from notifier.adapters.db.engine import unit_of_work
    from notifier.bootstrap import build
    from notifier.services.staff_accounts import create_user

    if not password_stdin:
        raise InputError("give the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    app = build()
    with unit_of_work(app.factory) as session:
        user = create_user(session, email=email, role=role, password=password, name=name)
        click.echo(f"created {user.email} ({user.role})")


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
def users_list(as_json: bool) -> None:
    """Every account with its role and whether it is disabled."""
    from notifier.adapters.db.engine import unit_of_work
    from notifier.bootstrap import build
    from notifier.services.staff_accounts import list_users

    app = build()
    with unit_of_work(app.factory) as session:
        rows = [
            {
                "email": u.email,
                "name": u.name,
                "role": u.role,
                "disabled": u.disabled,
                "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
            }
            for u in list_users(session)
        ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        state = "disabled" if row["disabled"] else "active"
        click.echo(f"{row['email']:40} {row['role']:9} {state:9} {row['name']}")


def _on_account(email: str, act: Callable[[Session, StaffUser], str]) -> None:
    """Find the account by its email address, act on it in one transaction, say what was done."""
    from notifier.adapters.db.engine import unit_of_work
    from notifier.bootstrap import build
    from notifier.services.staff_accounts import find_user

    app = build()
    with unit_of_work(app.factory) as session:
        click.echo(act(session, find_user(session, email)))


@users.command("disable")
@click.option("--email", required=True)
def users_disable(email: str) -> None:
    """Disable an account: it cannot sign in and its open sessions end."""
    from notifier.services.staff_accounts import disable_user

    def disable(session: Session, user: StaffUser) -> str:
        disable_user(session, user)
        return f"disabled {user.email}"

    _on_account(email, disable)


@users.command("signout")
@click.option("--email", required=True)
def users_signout(email: str) -> None:
    """Sign an account out everywhere: every open session ends at once (e.g. a lost laptop)."""
    from notifier.services.staff_sessions import sign_out_everywhere

    def sign_out(session: Session, user: StaffUser) -> str:
        ended = sign_out_everywhere(session, user)
        return f"signed out {user.email} everywhere ({ended} open sessions ended)"

    _on_account(email, sign_out)


@users.command("reset-second-factor")
@click.option("--email", required=True)
def users_reset_second_factor(email: str) -> None:
    """Clear a lost authenticator: the next sign-in sets up a new one (sessions end too)."""
    from notifier.services.second_factor import reset

    def clear(session: Session, user: StaffUser) -> str:
        reset(session, user, None)
        return f"second factor of {user.email} cleared; it is set up again at next sign-in"

    _on_account(email, clear)

"""``notifier users ...``: staff accounts on the command line (the first admin starts here)."""

from __future__ import annotations

import json
import sys

import click

from notifier.domain.errors import InputError


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


@users.command("disable")
@click.option("--email", required=True)
def users_disable(email: str) -> None:
    """Disable an account: it cannot sign in and its open sessions end."""
    from notifier.adapters.db.engine import unit_of_work
    from notifier.bootstrap import build
    from notifier.services.staff_accounts import disable_user, find_user

    app = build()
    with unit_of_work(app.factory) as session:
        user = find_user(session, email)
        disable_user(session, user)
        click.echo(f"disabled {user.email}")


@users.command("signout")
@click.option("--email", required=True)
def users_signout(email: str) -> None:
    """Sign an account out everywhere: every open session ends at once (e.g. a lost laptop)."""
    from notifier.adapters.db.engine import unit_of_work
    from notifier.bootstrap import build
    from notifier.services.staff_accounts import find_user
    from notifier.services.staff_sessions import sign_out_everywhere

    app = build()
    with unit_of_work(app.factory) as session:
        user = find_user(session, email)
        ended = sign_out_everywhere(session, user)
        click.echo(f"signed out {user.email} everywhere ({ended} open sessions ended)")


@users.command("reset-second-factor")
@click.option("--email", required=True)
def users_reset_second_factor(email: str) -> None:
    """Clear a lost authenticator: the next sign-in sets up a new one (sessions end too)."""
    from notifier.adapters.db.engine import unit_of_work
    from notifier.bootstrap import build
    from notifier.services.second_factor import reset
    from notifier.services.staff_accounts import find_user

    app = build()
    with unit_of_work(app.factory) as session:
        user = find_user(session, email)
        reset(session, user, None)
        click.echo(f"second factor of {user.email} cleared; it is set up again at next sign-in")

"""The ``notifier`` command. Commands parse, call one service, report; no rules live here.

Bad input: one line on stderr and exit code 2; nothing is written."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from notifier.domain.errors import InputError, NotFound, NotifierError

if TYPE_CHECKING:
    from notifier.bootstrap import App
from notifier.domain.timing import AMSTERDAM


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (InputError, NotFound) as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except NotifierError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except (OperationalError, ProgrammingError) as exc:
            if "no such table" in str(exc) or "does not exist" in str(exc):
                click.echo("error: the database is not set up: run `notifier db upgrade`", err=True)
                ctx.exit(1)
            raise


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name}: {value!r} is not a date (use YYYY-MM-DD)") from None


def _instant(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"--now: {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=AMSTERDAM)
    return parsed.astimezone(UTC)


def _app() -> App:
    from notifier.bootstrap import build

    return build()


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.group(cls=_Group)
@click.version_option(package_name="kansrijke-start-notifier")
def main() -> None:
    """Kansrijke Start notifier: nudges for parents in Den Haag, pregnancy to age two."""
    from notifier.adapters.logs import configure_logging

    # One-shot commands keep stderr for their one-line errors: warnings and worse only
    # (worker, scheduler and serve log at NOTIFIER_LOG_LEVEL).
    configure_logging("cli", "WARNING")


@main.group()
def db() -> None:
    """The database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database; install the default programme if none is published."""
    from notifier.services.setup import upgrade_database

    app = _app()
    published = upgrade_database(app)
    click.echo(f"database at head ({app.engine.url.render_as_string(hide_password=True)})")
    if published is not None and published.new:
        click.echo(
            f"published the default programme as version {published.version_id} "
            f"({published.content_hash[:12]})"
        )


@main.group()
def schedules() -> None:
    """Check, preview and publish the programme."""


def _templates_for(path: Path, templates_dir: Path | None, configured: Path) -> Path:
    """--templates, else the templates folder beside PATH, else the configured one (check and
    publish must read the same texts)."""
    if templates_dir is not None:
        return templates_dir
    sibling = (path if path.is_dir() else path.parent).parent / "templates"
    return sibling if sibling.is_dir() else configured


@schedules.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path))
@click.option("--today", help="check review dates against this day (default: today in NL)")
@click.option("--json", "as_json", is_flag=True)
def schedules_check(
    path: Path | None, templates_dir: Path | None, today: str | None, as_json: bool
) -> None:
    """Validate schedules and templates: every problem as file:line: message. A step past its
    review_by date is a warning; exit code 2 with an error, else 0."""
    from notifier.config import get_settings
    from notifier.services.schedule_check import check_files

    settings = get_settings()
    path = path or settings.schedules_dir
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    templates_dir = _templates_for(path, templates_dir, settings.templates_dir)
    day = _date(today, "--today") or datetime.now(AMSTERDAM).date()
    loaded, problems = check_files(path, templates_dir, day)
    errors = sum(p.severity == "error" for p in problems)
    if as_json:
        _emit(
            {
                "problems": [p.as_dict() for p in problems],
                "errors": errors,
                "warnings": len(problems) - errors,
                "steps": len(loaded.programme.steps) if loaded.programme else 0,
            }
        )
    else:
        for problem in problems:
            click.echo(str(problem))
        steps = len(loaded.programme.steps) if loaded.programme else 0
        click.echo(
            f"{steps} steps, {errors} errors, {len(problems) - errors} warnings", err=bool(problems)
        )
    sys.exit(2 if errors else 0)


@schedules.command("preview")
@click.option("--due-date")
@click.option("--birth-date")
@click.option("--weeks-at-birth", type=int)
@click.option("--language", default="nl", show_default=True)
@click.option("--channel")
@click.option("--from", "start", help="enrolment day (default: today)")
@click.option("--json", "as_json", is_flag=True)
def schedules_preview(
    due_date: str | None,
    birth_date: str | None,
    weeks_at_birth: int | None,
    language: str,
    channel: str | None,
    start: str | None,
    as_json: bool,
) -> None:
    """The full timeline a family with this due or birth date would get."""
    from notifier.adapters.db.engine import unit_of_work
    from notifier.services.preview import preview
    from notifier.services.publishing import current_programme

    app = _app()
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
    entries = preview(
        programme,
        today=_date(start, "--from") or date.today(),
        hours=app.hours,
        cap=app.cap,
        public_url=app.settings.public_url,
        due_date=_date(due_date, "--due-date"),
        birth_date=_date(birth_date, "--birth-date"),
        weeks_at_birth=weeks_at_birth,
        language=language,
        channel=channel,
    )
    if as_json:
        _emit([e.as_dict() for e in entries])
        return
    for e in entries:
        lang = f"{e.language} (no {e.requested_language} text)" if e.fallback else e.language
        status = (
            f"SKIPPED: {e.skipped}"
            if e.skipped
            else (f"{e.segments} segment(s)" if e.segments else e.subject)
        )
        click.echo(
            f"{e.send_at[:16].replace('T', ' ')}  {e.channel:5}  {lang:6}  {e.step:28}  {status}"
        )


@schedules.command("publish")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path))
@click.option("--actor", default="operator (cli)", show_default=True)
@click.option("--note", default="")
def schedules_publish(path: Path | None, templates_dir: Path | None, actor: str, note: str) -> None:
    """Publish the programme from files (only when it validates)."""
    from notifier.adapters.db.engine import unit_of_work
    from notifier.services.publishing import load_checked, publish

    app = _app()
    path = path or app.settings.schedules_dir
    templates_dir = _templates_for(path, templates_dir, app.settings.templates_dir)
    programme = load_checked(path, templates_dir, date.today())
    with unit_of_work(app.factory) as session:
        result = publish(session, programme, actor, note)
    click.echo(
        f"{'published' if result.new else 'already in force:'} version "
        f"{result.version_id} ({result.content_hash[:12]}), {len(programme.steps)} steps"
    )


@schedules.command("export")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--version", "version_id", type=int, help="a version id (default: the one in force)")
def schedules_export(directory: Path, version_id: int | None) -> None:
    """Write a published version as schedules/*.yaml and templates/ (for check or git)."""
    from notifier.adapters.db.engine import unit_of_work
    from notifier.adapters.schedule_export import write_programme
    from notifier.services.publishing import current_programme, version_programme

    app = _app()
    with unit_of_work(app.factory) as session:
        if version_id is None:
            version_id, programme = current_programme(session)
        else:
            programme = version_programme(session, version_id)
    count = write_programme(programme, directory, f"version {version_id}")
    click.echo(f"wrote version {version_id} to {directory} ({count} files)")


@main.command()
@click.option("--due-date")
@click.option("--birth-date")
@click.option("--weeks-at-birth", type=int)
@click.option("--phone")
@click.option("--email")
@click.option("--language", default="nl", show_default=True)
@click.option("--channels", help="sms,email (default: what the contact details allow)")
@click.option("--name", default="", help="the parent's first name")
@click.option("--child-name", default="")
@click.option("--cjg", help="CJG location key")
@click.option("--preferred-time", help="HH:MM")
@click.option("--first-child/--not-first-child", default=None)
@click.option(
    "--consent-source", required=True, type=click.Choice(["web", "sms", "staff", "import"])
)
@click.option("--consent-by", help="who took the consent (staff)")
@click.option("--confirmed", is_flag=True, help="consent was confirmed elsewhere (staff/import)")
@click.option("--json", "as_json", is_flag=True)
def enroll(
    due_date: str | None,
    birth_date: str | None,
    weeks_at_birth: int | None,
    phone: str | None,
    email: str | None,
    language: str,
    channels: str | None,
    name: str,
    child_name: str,
    cjg: str | None,
    preferred_time: str | None,
    first_child: bool | None,
    consent_source: str,
    consent_by: str | None,
    confirmed: bool,
    as_json: bool,
) -> None:
    """Enrol a family; prints the new enrolment id. Without --confirmed each recipient is sent
    the confirmation step (a code / reply JA by SMS, a link by email) and gets nothing else
    until they confirm."""
    from notifier.domain.enrolment import EnrolmentInput, RecipientInput
    from notifier.domain.programme import Channel
    from notifier.services.signup import enrol_with_confirmation

    try:
        chosen = tuple(Channel(c.strip()) for c in channels.split(",")) if channels else ()
    except ValueError:
        raise InputError(f"--channels: {channels!r}: use sms, email or sms,email") from None
    try:
        at = time.fromisoformat(preferred_time) if preferred_time else None
    except ValueError:
        raise InputError(f"--preferred-time: {preferred_time!r} is not HH:MM") from None
    request = EnrolmentInput(
        recipients=(RecipientInput(phone, email, language, chosen, name, at),),
        consent_source=consent_source,
        due_date=_date(due_date, "--due-date"),
        birth_date=_date(birth_date, "--birth-date"),
        weeks_at_birth=weeks_at_birth,
        child_name=child_name,
        location=cjg,
        confirmed=confirmed,
        first_child=first_child,
        consent_by=consent_by,
    )
    app = _app()
    enrolled = enrol_with_confirmation(app, request, datetime.now(UTC), date.today())
    if as_json:
        _emit(
            {
                "enrollment_id": enrolled.enrollment_id,
                "confirmed": confirmed,
                "confirmations": sorted(enrolled.confirmations.values()),
            }
        )
    else:
        click.echo(enrolled.enrollment_id)
        if enrolled.confirmations:
            click.echo(
                f"confirmation sent ({', '.join(sorted(enrolled.confirmations.values()))}): "
                "nothing else is sent until each recipient confirms",
                err=True,
            )


@main.group()
def privacy() -> None:
    """Everything held about a person (export), and erasure (AVG)."""


def _person(phone: str | None, email: str | None) -> dict[str, str | None]:
    if bool(phone) == bool(email):
        raise InputError("give --phone or --email (one of the two)")
    return {"phone": phone, "email": email}


@privacy.command("export")
@click.option("--phone")
@click.option("--email")
@click.option("--out", type=click.Path(path_type=Path), help="write the JSON here")
def privacy_export(phone: str | None, email: str | None, out: Path | None) -> None:
    """Everything held about the person with this number or address, as JSON."""
    from notifier.adapters.db.engine import unit_of_work
    from notifier.services.privacy import export_person

    person = _person(phone, email)
    app = _app()
    with unit_of_work(app.factory) as session:
        data = export_person(
            session, **person, regions=app.settings.phone_regions, now=datetime.now(UTC)
        )
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if out is None:
        click.echo(text)
        return
    out.write_text(text + "\n", encoding="utf-8")
    click.echo(f"written to {out}", err=True)


@privacy.command("erase")
@click.option("--phone")
@click.option("--email")
@click.option("--json", "as_json", is_flag=True)
def privacy_erase(phone: str | None, email: str | None, as_json: bool) -> None:
    """Erase the person with this number or address; delivery statistics stay, anonymous."""
    from notifier.services.erasure_copies import erase_everywhere

    person = _person(phone, email)
    app = _app()
    done = erase_everywhere(app, **person, now=datetime.now(UTC), source="staff")
    erased = done.erased
    if as_json:
        copies = {
            "rows_scrubbed": done.rows_scrubbed,
            "redis_keys_deleted": done.redis_keys_deleted,
            "outbox_files_deleted": done.outbox_files_deleted,
        }
        _emit({**erased.__dict__, **copies})
    else:
        click.echo(
            f"erased {erased.recipients} caregiver(s) and {erased.families} family(ies); "
            f"{erased.messages_anonymised} messages kept without identity"
        )


@main.command()
@click.option("--now", "now_text", help="ISO 8601 (default: the real clock)")
@click.option("--drain", is_flag=True, help="send what is due in-process, even with a broker")
@click.option("--json", "as_json", is_flag=True)
def tick(now_text: str | None, drain: bool, as_json: bool) -> None:
    """One scheduler tick at NOW: plan, hand out or send what is due, reconcile, expire, ask for
    overdue final statuses, apply retention and erasure, alerts; the same tick as `notifier
    scheduler` runs every minute, without the lock and the loop (for cron)."""
    from notifier.entrypoints.scheduler import publisher_for
    from notifier.services.scheduling import scheduler_tick

    app = _app()
    now = _instant(now_text)
    publisher = publisher_for(app) if app.settings.broker_url and not drain else None
    if publisher is None and any(
        getattr(c, "name", "").startswith("outbox") for c in app.channels.values()
    ):
        click.echo(
            f"note: no Twilio/SMTP settings for every channel: those messages go to the "
            f"local outbox ({app.settings.outbox_dir})",
            err=True,
        )
    report = scheduler_tick(app, now, publisher, leader="notifier tick")
    summary: dict[str, Any] = {
        "day": report.day,
        "families": report.families,
        "nudges": report.nudges,
        "messages_planned": report.planned_messages,
        "sent": report.sent_in_process if publisher is None else None,
        **{k: v for k, v in report.__dict__.items()
           if k not in ("day", "families", "nudges", "planned_messages", "sent_in_process")},
    }
    if as_json:
        _emit(summary)
        return
    if publisher is not None:
        click.echo(f"{report.day}: {report.planned_messages} messages planned, "
                   f"{report.enqueued} handed to the workers")
        return
    sent = ", ".join(f"{k} {v}" for k, v in report.sent_in_process.items() if v) or "none"
    click.echo(
        f"{report.day}: {report.families} families looked at, "
        f"{report.nudges.get('placed', 0)} nudges placed, {report.planned_messages} messages "
        f"planned; sent: {sent}"
    )


@main.command()
@click.option("--queues", default="sms,email,callbacks,periodic", show_default=True)
@click.option("--concurrency", default=2, show_default=True, type=int)
def worker(queues: str, concurrency: int) -> None:
    """A Celery worker for the delivery queues (needs NOTIFIER_BROKER_URL)."""
    from notifier.config import get_settings

    if not get_settings().broker_url:
        raise InputError(
            "NOTIFIER_BROKER_URL is not set: without a broker, `notifier tick` "
            "and `notifier scheduler` send in-process"
        )
    from notifier.entrypoints.tasks import celery_app

    celery_app.worker_main(
        [
            "worker",
            "--queues",
            queues,
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@main.command()
@click.option("--interval", default=60, show_default=True, type=int, help="seconds")
def scheduler(interval: int) -> None:
    """Run the tick every minute while holding the leader lock (several replicas may run)."""
    from notifier.adapters.logs import configure_logging
    from notifier.entrypoints.scheduler import run

    app = _app()
    configure_logging("scheduler", app.settings.log_level)
    run(app, interval)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="processes"
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="a log line per request (one per status callback: two per SMS)",
)
def serve(host: str, port: int, workers: int, access_log: bool) -> None:
    """The web app: pages, API, webhooks, /healthz, /readyz, /metrics."""
    import uvicorn

    from notifier.adapters.logs import configure_logging
    from notifier.entrypoints.web.app import create_app
    from notifier.entrypoints.web.server import uvicorn_options

    app = _app()
    configure_logging("web", app.settings.log_level)
    options: dict[str, Any] = {"host": host, "port": port, "log_config": None}
    options.update(uvicorn_options(app.settings))
    options["access_log"] = access_log
    if workers == 1:
        uvicorn.run(create_app(app), **options)
    else:  # each process builds its own app (engine, pool) from the same environment
        app.engine.dispose()  # the settings are checked here, once
        factory = "notifier.entrypoints.web.app:create_app"
        uvicorn.run(factory, factory=True, workers=workers, **options)


@main.command()
@click.option("--json", "as_json", is_flag=True)
def outbox(as_json: bool) -> None:
    """What the local outbox channel has 'sent' (files under var/outbox/)."""
    from notifier.adapters.channels.outbox import read_outbox
    from notifier.config import get_settings

    records = read_outbox(get_settings().outbox_dir)
    if as_json:
        _emit(records)
        return
    for r in records:
        head = r["subject"] or r["text"][:70]
        click.echo(f"{r['id']:>6}  {r['channel']:5}  {r['to']:28}  {head}")
    click.echo(f"{len(records)} messages in {get_settings().outbox_dir}")


@main.command()
@click.option("--from", "start", required=True, help="first day, YYYY-MM-DD (Europe/Amsterdam)")
@click.option("--to", "end", required=True, help="last day, inclusive")
@click.option("--csv", "as_csv", is_flag=True, help="daily rows: day,channel,step,status,count")
@click.option("--out", type=click.Path(path_type=Path), help="write the CSV here (default: stdout)")
@click.option("--json", "as_json", is_flag=True)
def report(start: str, end: str, as_csv: bool, out: Path | None, as_json: bool) -> None:
    """Delivery figures for a range of days (counts only: no personal data)."""
    from dataclasses import asdict

    from notifier.adapters.db.engine import unit_of_work
    from notifier.services import delivery_stats as stats

    first, last = _date(start, "--from"), _date(end, "--to")
    assert first is not None and last is not None
    stats.check_range(first, last)
    if out is not None and not as_csv:
        raise InputError("--out is for --csv")
    app = _app()
    with unit_of_work(app.factory) as session:
        if as_csv:
            rows = stats.daily_counts(session, first, last)
        else:
            result = stats.delivery_report(session, first, last)
    if as_csv:
        if out is None:
            stats.write_csv(rows, sys.stdout)
        else:
            with out.open("w", encoding="utf-8", newline="") as handle:
                n = stats.write_csv(rows, handle)
            click.echo(f"{n} rows written to {out}", err=True)
        return
    if as_json:
        _emit(asdict(result))
        return
    click.echo(f"{first} to {last}")
    for name, c in [("all", result.totals), *result.by_channel.items()]:
        rate = "-" if c.delivery_rate is None else f"{c.delivery_rate:.1%}"
        click.echo(
            f"  {name:6} planned {c.planned}, sent {c.sent}, delivered {c.delivered}, "
            f"failed {c.failed}, expired {c.expired}, suppressed {c.suppressed}; "
            f"delivery rate {rate}"
        )
    for e in result.provider_errors:
        click.echo(f"  error {e.channel} {e.code} x{e.count}: {e.meaning}")


@main.command()
@click.option("--months", default=30, show_default=True, type=click.IntRange(1, 40))
@click.option("--language", default="nl", show_default=True, type=click.Choice(["nl", "en"]),
              help="the language of the report")
@click.option("--json", "as_json", is_flag=True)
@click.option("--serve", is_flag=True,
              help="simulate the months up to today, then open the staff pages on the demo "
              "database with a demo administrator (its password is printed)")
@click.option("--host", default="127.0.0.1", show_default=True, help="with --serve")
@click.option("--port", default=8000, show_default=True, type=int, help="with --serve")
def demo(months: int, language: str, as_json: bool, serve: bool, host: str, port: int) -> None:
    """Sample families through ~30 months of simulated time, on SQLite and the local outbox."""
    from notifier.adapters.system_texts import label
    from notifier.bootstrap import build
    from notifier.services.demo import demo_admin, demo_settings, run_demo

    report = run_demo(build, months=months, language=language, until_today=serve,
                      progress=lambda line: click.echo(line, err=True))
    if as_json:
        _emit(report.as_dict())
    else:
        click.echo(report.text())
    if not serve:
        return
    import uvicorn

    from notifier.config import get_settings
    from notifier.entrypoints.web.app import create_app

    settings = get_settings()
    email, password = demo_admin(build, settings)
    click.echo(label("demo", "serve", language, url=f"http://{host}:{port}", email=email,
                     password=password))
    uvicorn.run(create_app(build(demo_settings(settings))), host=host, port=port,
                log_config=None, access_log=False)


@main.group()
def apikeys() -> None:
    """API keys for partner systems (the /api/v1 JSON API)."""


@apikeys.command("create")
@click.option("--name", required=True, help="who the key is for, e.g. 'Verloskundigen West'")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help="enrollments:read or enrollments:write (repeat for both)",
)
@click.option("--json", "as_json", is_flag=True)
def apikeys_create(name: str, scopes: tuple[str, ...], as_json: bool) -> None:
    """Create a key; it is printed once and cannot be shown again."""
    from notifier.adapters.db.engine import unit_of_work
    from notifier.services.api_keys import create_key

    app = _app()
    with unit_of_work(app.factory) as session:
        info, plain = create_key(session, name, list(scopes))
    if as_json:
        _emit({**info.as_dict(), "key": plain})
        return
    click.echo(plain)
    click.echo(
        f"key {info.prefix} for {info.name!r} ({', '.join(info.scopes)}): "
        "store it now, it is not shown again",
        err=True,
    )


@apikeys.command("list")
@click.option("--json", "as_json", is_flag=True)
def apikeys_list(as_json: bool) -> None:
    """Every key: prefix, name, scopes, last use, revoked or not (never the key itself)."""
    from notifier.adapters.db.engine import unit_of_work
    from notifier.services.api_keys import list_keys

    app = _app()
    with unit_of_work(app.factory) as session:
        keys = list_keys(session)
    if as_json:
        _emit([k.as_dict() for k in keys])
        return
    for k in keys:
        used = k.last_used_at.isoformat(timespec="minutes") if k.last_used_at else "never used"
        state = f"REVOKED {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
        click.echo(f"{k.prefix}  {state:18}  {used:25}  {','.join(k.scopes):36}  {k.name}")


@apikeys.command("revoke")
@click.argument("prefix")
def apikeys_revoke(prefix: str) -> None:
    """Revoke the key with this prefix (ks_xxxxxxxx) at once."""
    from notifier.adapters.db.engine import unit_of_work
    from notifier.services.api_keys import revoke_key

    app = _app()
    with unit_of_work(app.factory) as session:
        info = revoke_key(session, prefix, app.now())
    click.echo(f"revoked {info.prefix} ({info.name})")

def _register() -> None:
    from notifier.entrypoints.cli_users import users

    main.add_command(users)


_register()

if __name__ == "__main__":
    main()

"""`coachbot db upgrade|current|purge|forget-workspace`: manage the database schema and retention."""

from __future__ import annotations

import sys

import typer

db_app = typer.Typer(help="Manage Coachbot's database.", no_args_is_help=True)

DATABASE_OPTION = typer.Option(
    None,
    "--database",
    help="Database URL (default: $COACHBOT_DATABASE_URL, else SQLite in the user data dir).",
)


def _fail(url: str, exc: Exception) -> typer.Exit:
    detail = getattr(exc, "orig", None) or exc
    print(f"database {url}: {type(exc).__name__}: {detail}", file=sys.stderr)
    return typer.Exit(1)


@db_app.command("upgrade")
def upgrade(database: str = DATABASE_OPTION) -> None:
    """Create or migrate the schema to the newest revision (the bot also does this on start)."""
    from sqlalchemy.exc import SQLAlchemyError  # imported late: keeps CLI start-up light

    from bot.store.migrate import (
        current_revision,
        default_database_url,
        head_revision,
        make_engine,
    )
    from bot.store.migrate import upgrade as run_upgrade

    url = database or default_database_url()
    engine = make_engine(url)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        before = current_revision(engine)
        run_upgrade(engine)
        after = current_revision(engine)
    except SQLAlchemyError as exc:
        raise _fail(shown, exc) from None
    finally:
        engine.dispose()
    if before == after:
        print(f"{shown}: already at revision {after} (newest: {head_revision()}).")
    else:
        print(f"{shown}: upgraded from {before or 'empty'} to {after}.")


@db_app.command("current")
def current(database: str = DATABASE_OPTION) -> None:
    """Show the database's schema revision and the newest one this version ships."""
    from sqlalchemy.exc import SQLAlchemyError  # imported late: keeps CLI start-up light

    from bot.store.migrate import current_revision, default_database_url, head_revision, make_engine

    url = database or default_database_url()
    engine = make_engine(url)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        raise _fail(shown, exc) from None
    finally:
        engine.dispose()
    print(
        f"{shown}: revision {revision or 'none (run `coachbot db upgrade`)'}; "
        f"newest {head_revision()}."
    )


@db_app.command("purge")
def purge(
    database: str = DATABASE_OPTION,
    weeks: int = typer.Option(
        None,
        "--weeks",
        min=1,
        help="Retention in weeks (default: $COACHBOT_RETENTION_WEEKS or 26; workspaces may "
        "override it with `config set retention_weeks`).",
    ),
) -> None:
    """Delete counters and nudge history older than the retention (the scheduled job)."""
    from sqlalchemy.exc import SQLAlchemyError  # imported late: keeps CLI start-up light

    from bot.coaching.coach import default_retention_weeks, purge_expired
    from bot.store import Store

    default = weeks or default_retention_weeks()
    try:
        store = Store.open(database)
    except SQLAlchemyError as exc:
        raise _fail(database or "default", exc) from None
    try:
        removed = purge_expired(store, default_weeks=default)
    except SQLAlchemyError as exc:
        raise _fail(store.url, exc) from None
    finally:
        store.close()
    total = sum(removed.values())
    detail = ", ".join(f"{name} {count}" for name, count in sorted(removed.items()) if count)
    print(f"Purged {total} row(s) older than {default} weeks" + (f": {detail}." if detail else "."))


@db_app.command("forget-workspace")
def forget_workspace(
    workspace: str = typer.Argument(..., help="The workspace (Slack team / Discord guild) id."),
    database: str = DATABASE_OPTION,
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Delete everything stored about one workspace (e.g. after the app was removed)."""
    from sqlalchemy.exc import SQLAlchemyError  # imported late: keeps CLI start-up light

    from bot.store import Store

    if not yes and not typer.confirm(f"Delete all Coachbot data of workspace {workspace}?"):
        raise typer.Exit(1)
    try:
        store = Store.open(database)
    except SQLAlchemyError as exc:
        raise _fail(database or "default", exc) from None
    try:
        removed = store.forget_workspace(workspace)
    except SQLAlchemyError as exc:
        raise _fail(store.url, exc) from None
    finally:
        store.close()
    print(f"Deleted {removed} row(s) of workspace {workspace}.")


def register(app: typer.Typer) -> None:
    """Add the `db` group to the CLI."""
    app.add_typer(db_app, name="db")

"""``hueai users``: staff accounts for the operators' desk and the press monitor's verification tool.

    echo 'a long passphrase' | hueai users add lan --role operator
    hueai users list
    hueai users disable lan          # signs out every session of the account

The password is read from stdin (its first line), never from the command line,
where it would land in the shell history and the process list; on a terminal it
is asked for twice, hidden.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from core.accounts import Accounts, InvalidPassword, Role, UnknownUser, UserExists
from hueai.cli.common import fail, runtime, schema_checked

app = typer.Typer(help="Staff accounts (operators, verifiers, admins).", no_args_is_help=True)


def _accounts() -> Accounts:
    rt = schema_checked(runtime())
    return Accounts(rt.db, rt.settings.staff)


def _read_password() -> str:
    if sys.stdin.isatty():
        return typer.prompt("password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    if not line:
        raise fail("no password on stdin (pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | hueai users add ...`)")
    return line.rstrip("\r\n")


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="sign-in name: a-z, digits, . _ @ -")],
    role: Annotated[Role, typer.Option(help="operator: answers handed-over chats; verifier: press items; admin: all")],
) -> None:
    """Create a staff account; the password (at least 10 characters) is read from stdin."""
    accounts = _accounts()
    try:
        member = accounts.add_user(name, _read_password(), role=role)
    except (UserExists, InvalidPassword, ValueError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"added {member.name} ({member.role})")


@app.command("list")
def list_() -> None:
    """Every staff account: name, role, enabled or not."""
    for member in _accounts().users():
        typer.echo(f"{member.name}\t{member.role}\t{'active' if member.active else 'disabled'}")


@app.command("password")
def password(name: Annotated[str, typer.Argument()]) -> None:
    """Set a new password (from stdin); the account's sessions are signed out."""
    accounts = _accounts()
    try:
        accounts.set_password(name, _read_password())
    except (UnknownUser, InvalidPassword) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"new password for {name}")


@app.command("disable")
def disable(name: Annotated[str, typer.Argument()]) -> None:
    """Disable an account and sign out its sessions."""
    try:
        _accounts().set_active(name, False)
    except UnknownUser as exc:
        raise fail(str(exc)) from None
    typer.echo(f"disabled {name}")


@app.command("enable")
def enable(name: Annotated[str, typer.Argument()]) -> None:
    """Enable a disabled account again."""
    try:
        _accounts().set_active(name, True)
    except UnknownUser as exc:
        raise fail(str(exc)) from None
    typer.echo(f"enabled {name}")

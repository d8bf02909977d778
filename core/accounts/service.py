"""Creating accounts, signing in and out, and looking up a signed-in session.

Everything goes through :class:`Accounts`, one per database; each method is one
transaction. The web layer keeps only the token (in an HttpOnly cookie) and
asks :meth:`Accounts.session` on every request.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from core.accounts.passwords import hash_password, needs_rehash, verify_password
from core.accounts.settings import StaffSettings
from core.accounts.tables import ROLES, LoginAttemptRow, Role, StaffSessionRow, StaffUserRow
from core.storage import Database, utcnow

NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
MIN_PASSWORD, MAX_PASSWORD = 10, 1024
#: A session's ``last_seen_at`` is written at most this often (a lookup is otherwise read-only).
TOUCH_EVERY = timedelta(minutes=1)


class UserExists(ValueError):
    """An account with that name already exists."""


class UnknownUser(LookupError):
    """No account has that name."""


class InvalidPassword(ValueError):
    """A new password that is too short or too long; the message says which."""


class InvalidCredentials(Exception):
    """Wrong name or password, or a disabled account (deliberately not told apart)."""


class SignInThrottled(Exception):
    """Too many recent failures for this name or address; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class StaffMember:
    id: int
    name: str
    role: Role
    active: bool

    def may(self, *roles: Role) -> bool:
        """Whether this member holds one of ``roles`` (admins hold them all)."""
        return self.active and (self.role == "admin" or self.role in roles)


@dataclass(frozen=True)
class StaffSession:
    """A signed-in browser: who, its CSRF token, and when it ends at the latest."""

    user: StaffMember
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class SignedIn:
    """A new session; ``token`` goes into the cookie and is not kept anywhere else."""

    token: str
    session: StaffSession


def normalise_name(name: str) -> str:
    return name.strip().lower()


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; every stored one is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _member(row: StaffUserRow) -> StaffMember:
    return StaffMember(id=row.id, name=row.name, role=row.role, active=row.active)  # type: ignore[arg-type]


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidPassword(f"the password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidPassword(f"the password may have at most {MAX_PASSWORD} characters")


class Accounts:
    """Staff accounts and sessions in one database."""

    def __init__(self, db: Database, settings: StaffSettings | None = None) -> None:
        self.db = db
        self.settings = settings or StaffSettings()

    # -- accounts ---------------------------------------------------------------------------------

    def add_user(self, name: str, password: str, *, role: Role) -> StaffMember:
        """Create an account; :class:`UserExists`, :class:`InvalidPassword` or ``ValueError`` (name, role)."""
        name = normalise_name(name)
        if not NAME.match(name):
            raise ValueError("a name is 2-64 characters: letters a-z, digits and . _ @ - (not first)")
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
        check_password(password)
        hashed = hash_password(password)
        try:
            with self.db.session() as s:
                if s.scalar(select(StaffUserRow.id).where(StaffUserRow.name == name)) is not None:
                    raise UserExists(f"a staff account named {name!r} exists already")
                row = StaffUserRow(name=name, role=role, password_hash=hashed, active=True)
                s.add(row)
                s.flush()
                return _member(row)
        except IntegrityError:  # created by someone else between the check and the insert
            raise UserExists(f"a staff account named {name!r} exists already") from None

    def users(self) -> list[StaffMember]:
        with self.db.session() as s:
            return [_member(r) for r in s.scalars(select(StaffUserRow).order_by(StaffUserRow.name))]

    def set_password(self, name: str, password: str) -> None:
        """A new password; every session of the account is signed out."""
        check_password(password)
        hashed = hash_password(password)
        with self.db.session() as s:
            row = self._user(s, name)
            row.password_hash = hashed
            s.execute(delete(StaffSessionRow).where(StaffSessionRow.user_id == row.id))

    def set_active(self, name: str, active: bool) -> None:
        """Enable or disable an account; disabling signs out its sessions."""
        with self.db.session() as s:
            row = self._user(s, name)
            row.active = active
            if not active:
                s.execute(delete(StaffSessionRow).where(StaffSessionRow.user_id == row.id))

    @staticmethod
    def _user(s, name: str) -> StaffUserRow:  # type: ignore[no-untyped-def]
        row = s.scalar(select(StaffUserRow).where(StaffUserRow.name == normalise_name(name)))
        if row is None:
            raise UnknownUser(f"no staff account named {normalise_name(name)!r}")
        return row

    # -- signing in and out -----------------------------------------------------------------------

    def sign_in(self, name: str, password: str, *, ip: str) -> SignedIn:
        """A new session for the right name and password.

        Raises :class:`SignInThrottled` (before looking at the password) when the name or the
        address failed too often within the window, :class:`InvalidCredentials` otherwise on
        failure. Every attempt is recorded, the failed ones too.
        """
        name, ip = normalise_name(name)[:64], ip[:64]
        now = utcnow()
        window = timedelta(minutes=self.settings.login_window_minutes)
        with self.db.session() as s:
            for column, value, limit in ((LoginAttemptRow.name, name, self.settings.login_max_failures_per_name),
                                         (LoginAttemptRow.ip, ip, self.settings.login_max_failures_per_ip)):
                recent = (select(func.count(), func.min(LoginAttemptRow.at))
                          .where(column == value, LoginAttemptRow.at > now - window, LoginAttemptRow.succeeded.is_(False)))
                failures, oldest = s.execute(recent).one()
                if failures >= limit:
                    retry_after = max(1, int((_aware(oldest) + window - now).total_seconds()) + 1)
                    raise SignInThrottled(retry_after)
            row = s.scalar(select(StaffUserRow).where(StaffUserRow.name == name))
            usable = row is not None and row.active
            ok = verify_password(row.password_hash if usable else None, password[:MAX_PASSWORD])
            s.add(LoginAttemptRow(name=name, ip=ip, succeeded=ok, at=now))
            if ok:
                assert row is not None
                if needs_rehash(row.password_hash):
                    row.password_hash = hash_password(password)
                row.last_login_at = now
                token = secrets.token_urlsafe(32)
                expires = now + timedelta(hours=self.settings.session_hours)
                csrf = secrets.token_urlsafe(32)
                s.add(StaffSessionRow(id=_token_id(token), user_id=row.id, csrf_token=csrf, created_at=now,
                                      last_seen_at=now, expires_at=expires))
                # old attempts and sessions are of no use any more
                s.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at < now - max(window, timedelta(days=1))))
                s.execute(delete(StaffSessionRow).where(StaffSessionRow.expires_at < now))
                return SignedIn(token, StaffSession(_member(row), csrf, expires))
        raise InvalidCredentials("wrong name or password")

    def session(self, token: str | None) -> StaffSession | None:
        """The live session of a cookie's token, or None (unknown, expired, idle too long, account disabled)."""
        if not token or len(token) > 256:
            return None
        now = utcnow()
        with self.db.session() as s:
            found = s.execute(select(StaffSessionRow, StaffUserRow)
                              .join(StaffUserRow, StaffUserRow.id == StaffSessionRow.user_id)
                              .where(StaffSessionRow.id == _token_id(token))).one_or_none()
            if found is None:
                return None
            session, user = found
            idle = timedelta(minutes=self.settings.idle_minutes)
            if _aware(session.expires_at) <= now or _aware(session.last_seen_at) + idle <= now or not user.active:
                s.delete(session)
                return None
            if now - _aware(session.last_seen_at) >= TOUCH_EVERY:
                session.last_seen_at = now
            return StaffSession(_member(user), session.csrf_token, _aware(session.expires_at))

    def sign_out(self, token: str | None) -> None:
        if token:
            with self.db.session() as s:
                s.execute(delete(StaffSessionRow).where(StaffSessionRow.id == _token_id(token)))

"""The OA's access token: where it is kept, and the one refresh that renews it.

Zalo's OAuth v4 gives an access token for 25 hours and a refresh token for three months. A
refresh token is **single-use**: refreshing returns a new pair and the old refresh token is
dead from that moment. Losing the new pair strands the OA until an administrator authorises
the app again in a browser. So:

1. **One refresh at a time, across processes.** A refresher first takes a lease on the token
   row (``refreshing_by``/``refreshing_until``, set by a compare-and-set on ``version``), so
   with several server processes only one calls Zalo; the others wait for the row's
   ``version`` to move and use the new token.
2. **Persisted before use.** The new pair is committed the moment Zalo answers, before any
   caller gets the new access token; a commit that fails is retried with the pair held in
   memory. (The only window left is a process dying between Zalo's answer and the commit,
   which no client can close: that is logged as the alert to act on.)
3. **Refreshed early** (``HUEAI_ZALO_REFRESH_MARGIN_SECONDS`` before expiry), and on demand
   when Zalo refuses a token (``-216``/``-220``): once; a second refusal raises an alert.

The configured ``HUEAI_ZALO_ACCESS_TOKEN``/``HUEAI_ZALO_REFRESH_TOKEN`` seed the row when it is
empty, or when the configured refresh token changed (an administrator re-authorised the OA).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import structlog
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from channels.zalo.api import TokenPair, ZaloApi
from channels.zalo.errors import Failure
from channels.zalo.tables import ZaloTokenRow
from core.storage import Database, utcnow

log = structlog.get_logger(__name__)
ROW = "oa"
#: What Zalo documents for a new access token, assumed for a configured one whose age is unknown.
ACCESS_LIFETIME = timedelta(seconds=90000)


def aware(value: datetime | None) -> datetime | None:
    """SQLite gives datetimes back without their zone; they were written in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenUnavailable(RuntimeError):
    """No usable access token: none configured, or the refresh failed (see :attr:`TokenState.alert`)."""


@dataclass(frozen=True)
class TokenState:
    """What ``hueai zalo status`` shows of the token (never the tokens themselves)."""

    present: bool
    access_expires_at: datetime | None
    refreshed_at: datetime | None
    refresh_count: int
    refreshing: bool
    alert: str | None
    alert_at: datetime | None


class TokenStore:
    """The token row of one database, and the refresh (see the module docstring)."""

    def __init__(self, db: Database, api: ZaloApi, *, access_token: str | None = None,
                 refresh_token: str | None = None, margin_seconds: float = 4 * 3600,
                 lease_seconds: float = 30.0, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.api = api
        self.margin = timedelta(seconds=margin_seconds)
        self.lease = timedelta(seconds=max(lease_seconds, api.client.timeout.read or 10.0) + 5)
        self.clock = clock
        self.me = secrets.token_hex(8)
        self._seed = (access_token, refresh_token)
        self._seeded = False
        self._cached: tuple[str | None, float] | None = None  # (token, when read): one read a second at most

    # -- reading ------------------------------------------------------------------------------------
    def seed(self) -> None:
        """Write the configured pair when the row is empty or the configured refresh token changed."""
        access, refresh = self._seed
        self._seeded = True
        if not access and not refresh:
            return
        for attempt in range(3):
            try:
                self._write_seed(access, refresh)
                return
            except (IntegrityError, OperationalError):  # another process seeded at the same moment
                if attempt == 2:
                    raise
                time.sleep(0.05)

    def _write_seed(self, access: str | None, refresh: str | None) -> None:
        seed_hash = _hash(refresh or access or "")
        now = self.clock()
        with self.db.session() as session:
            row = session.get(ZaloTokenRow, ROW, with_for_update=True)
            if row is not None and row.seed_hash == seed_hash:
                return
            if row is None:
                row = ZaloTokenRow(id=ROW, version=0, refresh_count=0)
                session.add(row)
            row.access_token, row.refresh_token = access, refresh
            row.access_expires_at = now + ACCESS_LIFETIME if access else now
            row.seed_hash, row.version = seed_hash, (row.version or 0) + 1
            row.alert = row.alert_at = None
            row.updated_at = now
        log.info("zalo.tokens_seeded")

    def _row(self) -> ZaloTokenRow | None:
        if not self._seeded:
            self.seed()
        with self.db.session() as session:
            return session.get(ZaloTokenRow, ROW)

    def current(self) -> str | None:
        """The access token to use now (None when there is none). Read from the database at most once a second:
        a token another process refreshed meanwhile is picked up by :meth:`refresh` when Zalo refuses the old one."""
        if self._cached is not None and time.monotonic() - self._cached[1] < 1.0:
            return self._cached[0]
        row = self._row()
        token = row.access_token if row is not None else None
        self._cached = (token, time.monotonic())
        return token

    def state(self) -> TokenState:
        self._row()
        return read_state(self.db)

    def due(self) -> bool:
        """Whether the access token should be refreshed ahead of its expiry."""
        row = self._row()
        if row is None or not row.refresh_token:
            return False
        expires = aware(row.access_expires_at)
        return expires is None or expires - self.clock() <= self.margin

    # -- alerts -------------------------------------------------------------------------------------
    def alert(self, text: str) -> None:
        """Record why sending is blocked until a person acts (shown by ``hueai zalo status``)."""
        log.error("zalo.token_alert", alert=text)
        with self.db.session() as session:
            session.execute(update(ZaloTokenRow).where(ZaloTokenRow.id == ROW)
                            .values(alert=text[:1000], alert_at=self.clock()))

    # -- refreshing ---------------------------------------------------------------------------------
    def refresh(self, used: str | None = None, *, wait: float | None = None) -> str:
        """A newer access token than ``used`` (the one Zalo refused; None: refresh ahead of expiry).

        If another process or thread refreshed meanwhile, its token is returned; if one is refreshing
        now, this waits for it (up to ``wait`` seconds, default the lease). Raises
        :class:`TokenUnavailable` when no newer token can be had.
        """
        deadline = time.monotonic() + (wait if wait is not None else self.lease.total_seconds())
        while True:
            row = self._row()
            if row is None or not row.refresh_token:
                raise TokenUnavailable("no refresh token: set HUEAI_ZALO_REFRESH_TOKEN (see the README)")
            now = self.clock()
            if used is not None and row.access_token and row.access_token != used:
                self._cached = (row.access_token, time.monotonic())
                return row.access_token  # someone else refreshed already
            if used is None and not self.due():
                return row.access_token or ""
            lease_free = row.refreshing_until is None or aware(row.refreshing_until) <= now  # type: ignore[operator]
            if lease_free and self._take_lease(row.version):
                return self._refresh_with(row.refresh_token, row.version)
            if time.monotonic() >= deadline:
                raise TokenUnavailable("another process is refreshing the token; try again shortly")
            time.sleep(0.05)

    def _take_lease(self, version: int) -> bool:
        now = self.clock()
        with self.db.session() as session:
            result = session.execute(
                update(ZaloTokenRow)
                .where(ZaloTokenRow.id == ROW, ZaloTokenRow.version == version,
                       (ZaloTokenRow.refreshing_until.is_(None)) | (ZaloTokenRow.refreshing_until <= now))
                .values(refreshing_by=self.me, refreshing_until=now + self.lease))
            return result.rowcount == 1

    def _release(self, alert: str | None) -> None:
        values: dict[str, object] = {"refreshing_by": None, "refreshing_until": None}
        if alert:
            values.update(alert=alert[:1000], alert_at=self.clock())
        try:
            with self.db.session() as session:
                session.execute(update(ZaloTokenRow).where(ZaloTokenRow.id == ROW,
                                                           ZaloTokenRow.refreshing_by == self.me).values(**values))
        except (OperationalError, DBAPIError):
            log.warning("zalo.token_release_failed")  # the lease runs out by itself

    def _refresh_with(self, refresh_token: str, version: int) -> str:
        started = self.clock()
        result = self.api.refresh(refresh_token)
        if isinstance(result, Failure):
            alert = None
            if not result.uncertain and result.code is not None and result.code <= -14000:
                alert = f"token refresh refused ({result.code} {result.message}): re-authorise the OA"
            elif result.uncertain:
                alert = (f"token refresh interrupted ({result.message}); if the next refresh is refused, "
                         "the refresh token was spent: re-authorise the OA")
            self._release(alert or f"token refresh failed: {result.describe()}")
            log.error("zalo.token_refresh_failed", error=result.describe())
            raise TokenUnavailable(result.describe())
        self._persist(result, version, started)
        self._cached = (result.access_token, time.monotonic())
        log.info("zalo.token_refreshed", expires_in=result.expires_in)
        return result.access_token

    def _persist(self, pair: TokenPair, version: int, started: datetime) -> None:
        """Commit the new pair (the old refresh token is already dead): retried while the database fails."""
        values = {
            "access_token": pair.access_token, "refresh_token": pair.refresh_token,
            "access_expires_at": started + timedelta(seconds=pair.expires_in),
            "refresh_expires_at": (started + timedelta(seconds=pair.refresh_token_expires_in)
                                   if pair.refresh_token_expires_in else None),
            "version": version + 1, "refreshing_by": None, "refreshing_until": None, "refreshed_at": self.clock(),
            "refresh_count": ZaloTokenRow.refresh_count + 1, "alert": None, "alert_at": None,
            "updated_at": self.clock(),
        }
        delay = 0.1
        for attempt in range(8):
            try:
                with self.db.session() as session:
                    session.execute(update(ZaloTokenRow).where(ZaloTokenRow.id == ROW).values(**values))
                return
            except (OperationalError, DBAPIError) as exc:
                log.error("zalo.token_persist_retry", attempt=attempt, error=type(exc).__name__)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        # Last resort: keep serving with the pair in memory would strand it on restart; say so loudly.
        log.critical("zalo.token_not_persisted", hint="the new refresh token could not be saved")
        raise TokenUnavailable("the refreshed token could not be saved to the database")


def read_state(db: Database) -> TokenState:
    """The token's state without a client (for ``hueai zalo status``)."""
    with db.session() as session:
        row = session.scalar(select(ZaloTokenRow).where(ZaloTokenRow.id == ROW))
    if row is None:
        return TokenState(False, None, None, 0, False, None, None)
    now = utcnow()
    return TokenState(bool(row.access_token), aware(row.access_expires_at), aware(row.refreshed_at),
                      row.refresh_count or 0, bool(row.refreshing_until and aware(row.refreshing_until) > now),
                      row.alert, aware(row.alert_at))

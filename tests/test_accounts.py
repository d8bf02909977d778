"""Staff accounts (core/accounts) on SQLite and PostgreSQL: hashing, sign-in, sessions, throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.accounts import (
    Accounts,
    InvalidCredentials,
    InvalidPassword,
    SignInThrottled,
    StaffSessionRow,
    StaffSettings,
    StaffUserRow,
    UnknownUser,
    UserExists,
    hash_password,
    verify_password,
)
from core.storage import Database, utcnow

PASSWORD = "mật khẩu đủ dài 2026"


def test_hashes_are_argon2id_salted_and_verified() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, PASSWORD) and not verify_password(first, PASSWORD + "x")
    assert not verify_password(None, PASSWORD) and not verify_password("not a hash", PASSWORD)


def test_accounts_are_created_once_with_valid_names_roles_and_passwords(database: Database) -> None:
    accounts = Accounts(database)
    lan = accounts.add_user("  Lan.Nguyen ", PASSWORD, role="operator")
    assert (lan.name, lan.role, lan.active) == ("lan.nguyen", "operator", True)
    with pytest.raises(UserExists):
        accounts.add_user("LAN.NGUYEN", PASSWORD, role="admin")
    with pytest.raises(InvalidPassword):
        accounts.add_user("minh", "short", role="verifier")
    with pytest.raises(ValueError, match="role"):
        accounts.add_user("minh", PASSWORD, role="boss")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name"):
        accounts.add_user("<script>", PASSWORD, role="operator")
    assert [u.name for u in accounts.users()] == ["lan.nguyen"]
    with database.session() as s:
        stored = s.scalar(select(StaffUserRow.password_hash))
    assert stored is not None and PASSWORD not in stored and stored.startswith("$argon2id$")


def test_sign_in_makes_a_session_whose_token_is_stored_only_hashed(database: Database) -> None:
    accounts = Accounts(database)
    accounts.add_user("lan", PASSWORD, role="operator")
    signed = accounts.sign_in("Lan", PASSWORD, ip="203.0.113.7")
    assert len(signed.token) >= 40 and len(signed.session.csrf_token) >= 40
    session = accounts.session(signed.token)
    assert session is not None and session.user.name == "lan" and session.csrf_token == signed.session.csrf_token
    assert session.user.may("operator") and not session.user.may("verifier")
    with database.session() as s:
        ids = s.scalars(select(StaffSessionRow.id)).all()
    assert signed.token not in ids and len(ids) == 1
    assert accounts.session("forged") is None and accounts.session(None) is None and accounts.session("x" * 9999) is None
    accounts.sign_out(signed.token)
    assert accounts.session(signed.token) is None


def test_wrong_passwords_unknown_names_and_disabled_accounts_look_alike(database: Database) -> None:
    accounts = Accounts(database)
    accounts.add_user("lan", PASSWORD, role="admin")
    for name, password in (("lan", "sai mật khẩu rồi"), ("nobody", PASSWORD)):
        with pytest.raises(InvalidCredentials):
            accounts.sign_in(name, password, ip="203.0.113.7")
    signed = accounts.sign_in("lan", PASSWORD, ip="203.0.113.7")
    accounts.set_active("lan", False)
    assert accounts.session(signed.token) is None
    with pytest.raises(InvalidCredentials):
        accounts.sign_in("lan", PASSWORD, ip="203.0.113.7")
    with pytest.raises(UnknownUser):
        accounts.set_active("nobody", True)


def test_a_new_password_signs_every_session_out(database: Database) -> None:
    accounts = Accounts(database)
    accounts.add_user("lan", PASSWORD, role="operator")
    signed = accounts.sign_in("lan", PASSWORD, ip="::1")
    accounts.set_password("lan", PASSWORD + " mới")
    assert accounts.session(signed.token) is None
    with pytest.raises(InvalidCredentials):
        accounts.sign_in("lan", PASSWORD, ip="::1")
    assert accounts.sign_in("lan", PASSWORD + " mới", ip="::1").session.user.name == "lan"


def test_expired_and_idle_sessions_end(database: Database) -> None:
    accounts = Accounts(database, StaffSettings(session_hours=1, idle_minutes=30))
    accounts.add_user("lan", PASSWORD, role="operator")
    expired, idle = (accounts.sign_in("lan", PASSWORD, ip="::1") for _ in range(2))
    with database.session() as s:
        s.execute(update(StaffSessionRow).where(StaffSessionRow.csrf_token == expired.session.csrf_token)
                  .values(expires_at=utcnow() - timedelta(seconds=1)))
        s.execute(update(StaffSessionRow).where(StaffSessionRow.csrf_token == idle.session.csrf_token)
                  .values(last_seen_at=utcnow() - timedelta(minutes=31)))
    assert accounts.session(expired.token) is None and accounts.session(idle.token) is None
    with database.session() as s:
        assert s.scalars(select(StaffSessionRow)).all() == []


def test_repeated_failures_throttle_a_name_and_an_address_even_with_the_right_password(database: Database) -> None:
    accounts = Accounts(database, StaffSettings(login_max_failures_per_name=3, login_max_failures_per_ip=5))
    accounts.add_user("lan", PASSWORD, role="operator")
    accounts.add_user("minh", PASSWORD, role="operator")
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            accounts.sign_in("lan", "đoán bừa mật khẩu", ip="198.51.100.1")
    with pytest.raises(SignInThrottled) as throttled:
        accounts.sign_in("lan", PASSWORD, ip="198.51.100.2")  # the right password, from elsewhere: still refused
    assert 1 <= throttled.value.retry_after <= 15 * 60 + 1
    assert accounts.sign_in("minh", PASSWORD, ip="198.51.100.2").session.user.name == "minh"
    for name in ("a1", "a2"):  # two more failures from the first address make five
        with pytest.raises(InvalidCredentials):
            accounts.sign_in(name, "đoán bừa mật khẩu", ip="198.51.100.1")
    with pytest.raises(SignInThrottled):
        accounts.sign_in("minh", PASSWORD, ip="198.51.100.1")
    assert accounts.sign_in("minh", PASSWORD, ip="198.51.100.3").session.user.name == "minh"

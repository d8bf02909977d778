"""Staff accounts: who may sign in to the staff tools, and their signed-in sessions.

The chat operators' desk (``/staff``) uses them now; the press monitor's
verification tool will use the same accounts, which is why they sit here at the
bottom layer (third-party imports only) rather than in a channel.

>>> accounts = Accounts(db)
>>> accounts.add_user("lan", "a long passphrase", role="operator")
>>> signed_in = accounts.sign_in("lan", "a long passphrase", ip="203.0.113.7")
>>> signed_in.token          # the cookie value: shown once, only its SHA-256 is stored
>>> accounts.session(signed_in.token).user.role
'operator'

* **Passwords** are argon2id hashes (:mod:`core.accounts.passwords`); an old
  hash is upgraded on the next successful sign-in when the parameters change.
* **Sessions** are random 256-bit tokens; the database keeps their SHA-256, so a
  leaked table signs nobody in. Each session carries its own CSRF token, which
  the staff pages send back in a header or a form field.
* **Sign-in throttling** counts recent failures per name and per address in
  the database (so every server process sees the same count) and refuses
  further attempts for a while (:class:`SignInThrottled`) before checking the
  password at all.
"""

from core.accounts.passwords import hash_password, verify_password
from core.accounts.service import (
    Accounts,
    InvalidCredentials,
    InvalidPassword,
    SignedIn,
    SignInThrottled,
    StaffMember,
    StaffSession,
    UnknownUser,
    UserExists,
)
from core.accounts.settings import StaffSettings
from core.accounts.tables import ROLES, LoginAttemptRow, Role, StaffSessionRow, StaffUserRow

__all__ = [
    "ROLES",
    "Accounts",
    "InvalidCredentials",
    "InvalidPassword",
    "LoginAttemptRow",
    "Role",
    "SignInThrottled",
    "SignedIn",
    "StaffMember",
    "StaffSession",
    "StaffSessionRow",
    "StaffSettings",
    "StaffUserRow",
    "UnknownUser",
    "UserExists",
    "hash_password",
    "verify_password",
]

"""Who is signed in: the back-office user behind a session, read once and then kept in each
process under the accounts' version (``stamps.STAFF``; its offices under the set-up's too), so a
busy back-office page need not read the account on every request.

A kept account is used only while this process read the versions less than
``VERSION_RECHECK_SECONDS`` ago and the staff version is the one it was kept under: deactivating
an account, changing its role or offices, or signing it out everywhere takes effect at once in
the process that made the change and within that time (1 s) in every other. Password hashes and
authenticator secrets are never kept (they are read when a page needs them), and the code step
of signing in reads the account afresh. A change made outside the app (``psql``) is not seen:
restart the app after one.
"""

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ...models import Office, StaffUser
from ...stamps import kept, recently_read, remember_versions, versions, with_versions

NOT_KEPT = {"password_hash", "totp_secret", "password_link_hash"}
_KEPT_COLUMNS = [column.key for column in StaffUser.__mapper__.column_attrs if column.key not in NOT_KEPT]
_OFFICE_COLUMNS = [column.key for column in Office.__mapper__.column_attrs]
_USER_BY_ID = select(StaffUser).where(StaffUser.id == bindparam("id")).options(joinedload(StaffUser.offices))


def signed_in_user(session, user_id: int) -> StaffUser | None:
    """The account ``user_id``, kept or read (with its offices and the versions, in one statement)."""
    accounts = kept("signed_in_accounts", 512)
    recent = recently_read(current_app.config["VERSION_RECHECK_SECONDS"])
    if recent is not None:
        account = accounts.get((user_id, recent.staff, recent.reference))
        if account is not None:
            return _revived(session, account)
    statement, added = with_versions(_USER_BY_ID)
    row = remember_versions(session.execute(statement, {"id": user_id}).unique().one_or_none(), added)
    if row is None:
        return None
    user = row[0]
    stamps = versions(session)
    accounts.put((user_id, stamps.staff, stamps.reference), _account(user))
    return user


def _account(user: StaffUser) -> tuple:
    """What is kept of an account: its columns but the secret ones, and its offices."""
    return (
        {key: getattr(user, key) for key in _KEPT_COLUMNS},
        tuple({key: getattr(office, key) for key in _OFFICE_COLUMNS} for office in user.offices),
    )


def _revived(session, account: tuple) -> StaffUser:
    """The kept account as a user of ``session``, no statement sent (SQLAlchemy's ``merge`` with
    ``load=False``, its documented way back from a cache)."""
    values, offices = account
    user = StaffUser(**values)
    revived_offices = [Office(**office) for office in offices]
    for office in revived_offices:
        make_transient_to_detached(office)
    set_committed_value(user, "offices", revived_offices)
    make_transient_to_detached(user)
    return session.merge(user, load=False)

"""STOP and START: a number's standing permission to be texted."""

from sqlalchemy.exc import IntegrityError

from ..models import SmsOptOut


def opted_out(session, number: str) -> bool:
    """Whether ``number`` replied STOP (and not START since)."""
    return session.get(SmsOptOut, number) is not None


def stop_texts(session, number: str, now) -> bool:
    """Record that ``number`` wants no more texts (the caller commits); whether this is new."""
    if opted_out(session, number):
        return False
    try:
        with session.begin_nested():  # the same STOP delivered twice at once
            session.add(SmsOptOut(phone=number, opted_out_at=now))
    except IntegrityError:
        return False
    return True


def resume_texts(session, number: str) -> bool:
    """``number`` replied START: texts may go to it again; whether it had stopped them."""
    row = session.get(SmsOptOut, number)
    if row is None:
        return False
    session.delete(row)
    return True

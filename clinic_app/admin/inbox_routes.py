"""(being written)"""
from . import bp


@bp.get("/questions")
def questions():
    return "questions"


@bp.get("/outbox")
def outbox():
    return "outbox"

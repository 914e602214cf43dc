"""(being written)"""
from . import bp


@bp.get("/calendar")
def calendar():
    return "calendar"

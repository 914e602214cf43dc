"""(being written)"""
from . import bp


@bp.get("/closures")
def closures():
    return "closures"


@bp.get("/providers")
def providers():
    return "providers"

"""Back-office display helpers."""


def local_time(moment, office) -> str:
    """Mon Dec 7, 2026 10:00 AM (office time), for tables and exports."""
    local = moment.astimezone(office.tz)
    hour = local.hour % 12 or 12
    return f"{local:%a %b} {local.day}, {local.year} {hour}:{local:%M} {local:%p}"

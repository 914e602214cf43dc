"""axe-core (the copy bundled with axe-playwright-python) run in the page Chromium shows: the
problems a patient using a screen reader or a keyboard would meet, by WCAG 2.2 AA rules."""

import re

from axe_playwright_python.sync_playwright import Axe

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
SERIOUS = {"serious", "critical"}
_axe = Axe()


def serious_problems(page) -> list[str]:
    """Every serious or critical axe violation on the page as shown now: rule, impact and the
    first elements it concerns (empty when there is none)."""
    results = _axe.run(page, options={**WCAG_AA, "resultTypes": ["violations"]}).response
    return [
        f"{v['id']} ({v['impact']}) on {page.url}: {[n['target'] for n in v['nodes'][:3]]}"
        for v in results["violations"]
        if v["impact"] in SERIOUS
    ]


def serious_problems_without_javascript(page, checker) -> list[str]:
    """``serious_problems`` for a page shown with JavaScript off (axe needs JavaScript to run):
    its HTML as the server sent it, scripts taken out, is loaded at the same address in
    ``checker`` (a page whose JavaScript is on; the styles come from the server as usual)."""
    html = re.sub(r"<script\b.*?</script>", "", page.content(), flags=re.DOTALL | re.IGNORECASE)
    url = page.url

    def serve(route):
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    checker.route(url, serve)
    try:
        checker.goto(url)
        return serious_problems(checker)
    finally:
        checker.unroute(url, serve)

"""The whole-booking load run: many patients completing the five steps at once, against one
database; bookings/s, each step's latency as the client saw it, and no time booked twice."""

import random
import re
import statistics
import threading
import time
import uuid

import psycopg

from bench.browser import Browser

ANSWERS = {key: "no" for key in ("fever", "cough", "taste_smell", "close_contact", "positive_test")}
STEPS = ("step 1", "step 2", "step 3", "step 4", "step 5 (confirm)")


def book_once(base: str, timings: dict, rng: random.Random, server: list) -> str:
    """One patient from step 1 to "Confirm"; "booked", "taken" or what went wrong. A booking's
    server time (the app's time for each of its requests, added up) goes to ``server``."""
    browser = Browser(base)
    outcome = _book(browser, timings, rng)
    if outcome == "booked":
        server.append(sum(browser.timing.milliseconds) / 1000)
    return outcome


def _book(browser, timings: dict, rng: random.Random) -> str:
    def timed(step, call):
        started = time.perf_counter()
        result = call()
        timings[step].append(time.perf_counter() - started)
        return result

    page = timed("step 1", lambda: browser.get("/book/"))
    token = browser.csrf(page)
    visit = {
        "csrf_token": token,
        "office": rng.choice(["fairfax", "potomac"]),
        "visit_type": "follow-up",
        "reason": "back-pain",
        "provider": "any",
    }
    status, page = timed("step 1", lambda: browser.post("/book/", visit))
    slots = re.findall(r'name="slot" value="([^"]+)"', page)
    if not slots:
        return "no time shown"
    slot = rng.choice(slots[:6])  # patients pick among the first times: they compete for them
    status, page = timed("step 2", lambda: browser.post("/book/time", {"csrf_token": token, "slot": slot}))
    if status == 422 and "not available" in page:  # taken between seeing it and choosing it
        return "taken"
    status, page = timed(
        "step 3", lambda: browser.post("/book/screening", {"csrf_token": token, "acknowledged": "y", **ANSWERS})
    )
    details = {
        "csrf_token": token,
        "first_name": "Load",
        "last_name": "Tester",
        "date_of_birth": "1960-01-02",
        "phone": "(703) 555-0123",
        "email": f"load-{uuid.uuid4().hex[:12]}@example.org",
        "patient_status": "returning",
        "consent": "y",
    }
    status, page = timed("step 4", lambda: browser.post("/book/details", details))
    status, page = timed("step 5 (confirm)", lambda: browser.post("/book/review", {"csrf_token": token}))
    if "You’re booked" in page or "You&#8217;re booked" in page:
        return "booked"
    if "just taken" in page:
        return "taken"
    return f"HTTP {status}"


def run(base: str, database_url: str, *, clients: int, seconds: int) -> dict:
    timings = {step: [] for step in STEPS}
    outcomes = []
    flows = []
    server = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(number):
        rng = random.Random(number)
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            outcome = book_once(base, timings, rng, server)
            with lock:
                outcomes.append(outcome)
                if outcome == "booked":
                    flows.append(time.perf_counter() - started)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "booked": outcomes.count("booked"),
        "taken": outcomes.count("taken"),
        "other": sorted({o for o in outcomes if o not in ("booked", "taken")}),
        "bookings_per_second": round(outcomes.count("booked") / elapsed, 2),
        "flow_p50_ms": _pct(flows, 50),
        "flow_p99_ms": _pct(flows, 99),
        "server_p50_ms": _pct(server, 50),
        "server_p99_ms": _pct(server, 99),
        "steps": {step: {"p50_ms": _pct(v, 50), "p99_ms": _pct(v, 99)} for step, v in timings.items()},
        "double_booked": double_booked(database_url),
    }


def _pct(values, percent):
    if not values:
        return None
    if len(values) == 1:
        return round(values[0] * 1000, 1)
    return round(statistics.quantiles(values, n=100)[percent - 1] * 1000, 1)


def double_booked(database_url: str) -> int:
    """Pairs of active visits of one clinician whose times overlap (must be 0)."""
    url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url) as connection:
        return connection.execute(
            """SELECT count(*) FROM appointment a JOIN appointment b
               ON a.provider_id = b.provider_id AND a.id < b.id
              AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
              WHERE a.status IN ('booked', 'confirmed') AND b.status IN ('booked', 'confirmed')"""
        ).fetchone()[0]


def describe(report: dict) -> str:
    lines = [
        f"Whole bookings: {report['clients']} clients for {report['seconds']} s: {report['booked']} booked "
        f"({report['bookings_per_second']}/s), {report['taken']} lost their time to another patient (at step 2 or at "
        "confirmation)"
        + (f", other outcomes: {', '.join(report['other'])}" if report["other"] else "")
        + f"; whole flow p50 {report['flow_p50_ms']} ms, p99 {report['flow_p99_ms']} ms as the clients saw it "
        f"(queueing included), server time p50 {report['server_p50_ms']} ms, p99 {report['server_p99_ms']} ms "
        f"(the app's time for the booking's requests, added up); double-booked pairs: {report['double_booked']}.",
        "",
        "| step | p50 | p99 |",
        "|---|---:|---:|",
    ]
    lines += [f"| {step} | {v['p50_ms']} ms | {v['p99_ms']} ms |" for step, v in report["steps"].items()]
    return "\n".join(lines)

"""`make bench`: each main page's throughput as a ratio to a bare Flask view served the same way.

For each database (SQLite, and PostgreSQL at BENCH_DATABASE_URL) and each size of history (1,000
and 100,000 appointments): migrate, seed and fill a fresh database; serve the app and bench/hello.py
with the same gunicorn settings (sync workers, as in production); then, in 3 interleaved rounds,
load the hello view and each page with wrk (the same connections and duration) and report per page
the median requests/s, p50, p99 and the median of the per-round ratios to hello. On PostgreSQL a
whole-booking load run follows: BENCH_CLIENTS clients each completing five-step bookings, with
bookings/s, per-step latency and a check that no clinician's time was booked twice.

Results go to bench/results/<time>.md. Settings: BENCH_DATABASE_URL (a PostgreSQL server; "" to
skip), BENCH_DURATION (seconds per wrk run, 5), BENCH_CONNECTIONS (32), BENCH_WORKERS (3),
BENCH_SIZES (1000,100000), BENCH_CLIENTS (32), BENCH_LOAD_SECONDS (30).
"""

import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pyotp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import data, load  # noqa: E402
from bench.browser import Browser  # noqa: E402

BIN = Path(sys.executable).parent
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,100000").split(",") if s]
ROUNDS = 3
PAGES = [
    ("home", "/", None),
    ("article", "/articles/leg-weakness-symptoms-causes-treatment", None),
    ("step 1", "/book/", None),
    ("time step (draft)", "/book/time", "draft"),
    ("bookings list (25 rows a page)", "/admin/", "staff"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str, work: Path) -> dict:
    return {
        **os.environ,
        "CLINIC_ENV": "development",
        "FLASK_APP": "wsgi",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        "MAIL_SINK_DIR": str(work / "mail"),
        "SMS_BACKEND": "off",
        "RATELIMIT_ENABLED": "false",  # one client address stands for many patients here
        "FORM_MIN_FILL_SECONDS": "0",
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        "SERVER_TIMING": "true",  # the load run sums each booking's server time
    }


def serve(module: str, env: dict, work: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
            module,
        ],
        cwd=ROOT,
        env=env,
        stdout=open(work / f"{module.replace(':', '_')}.log", "w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, url
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{module} did not start")


def wrk(url: str, cookie: str | None) -> dict:
    argv = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency", url]
    if cookie:
        argv[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {m.group(1): m.group(2) for m in re.finditer(r"^\s+(50|99)%\s+(\S+)", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": latency.get("50"),
        "p99": latency.get("99"),
        "bad": int(errors.group(1)) if errors else 0,
    }


def cookies_for(app_url: str, secret: str) -> dict:
    """A browser with a draft at the time step, and a signed-in staff member."""
    patient = Browser(app_url)
    page = patient.get("/book/")
    patient.post(
        "/book/",
        {
            "csrf_token": patient.csrf(page),
            "office": "fairfax",
            "visit_type": "new-patient",
            "reason": "sciatica",
            "provider": "any",
        },
    )
    staff = Browser(app_url)
    page = staff.get("/admin/login")
    staff.post(
        "/admin/login", {"csrf_token": staff.csrf(page), "email": data.ADMIN_EMAIL, "password": data.ADMIN_PASSWORD}
    )
    page = staff.get("/admin/login/code")
    staff.post("/admin/login/code", {"csrf_token": staff.csrf(page), "code": pyotp.TOTP(secret).now()})
    assert "Bookings" in staff.get("/admin/"), "the benchmark's admin could not sign in"
    return {"draft": patient.cookie_header(), "staff": staff.cookie_header()}


def measure(app_url: str, hello_url: str, cookies: dict, pages=PAGES) -> list[dict]:
    samples = {name: [] for name, _, _ in pages}
    hello = []
    for _ in range(ROUNDS):
        base = wrk(hello_url + "/", None)
        hello.append(base)
        for name, path, who in pages:
            result = wrk(app_url + path, cookies.get(who))
            samples[name].append({**result, "ratio": result["rps"] / base["rps"]})
    rows = [
        {
            "page": "hello (bare Flask)",
            "rps": statistics.median(r["rps"] for r in hello),
            "p50": _median_time([r["p50"] for r in hello]),
            "p99": _median_time([r["p99"] for r in hello]),
            "ratio": 1.0,
            "bad": sum(r["bad"] for r in hello),
        }
    ]
    for name, _, _ in pages:
        runs = samples[name]
        rows.append(
            {
                "page": name,
                "rps": statistics.median(r["rps"] for r in runs),
                "p50": _median_time([r["p50"] for r in runs]),
                "p99": _median_time([r["p99"] for r in runs]),
                "ratio": statistics.median(r["ratio"] for r in runs),
                "bad": sum(r["bad"] for r in runs),
            }
        )
    return rows


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def _median_time(values) -> str:
    return f"{statistics.median(_ms(v) for v in values if v):.1f} ms"


def postgres_database(server: str):
    name = f"clinic_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(server)
    return parts._replace(path=f"/{name}").geturl(), name


def drop_postgres(server: str, name: str):
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_one(kind: str, database_url: str, size: int, work: Path, out) -> dict:
    env = environment(database_url, work)
    subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([str(BIN / "flask"), "seed"], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.monotonic()
    os.environ.update({k: env[k] for k in ("CLINIC_ENV", "RATELIMIT_ENABLED", "SMS_BACKEND", "FORM_MIN_FILL_SECONDS")})
    secret = data.fill(database_url, size)
    out(f"\n### {kind}, {size:,} appointments (filled in {time.monotonic() - started:.0f} s)\n")
    app, app_url = serve("wsgi:app", env, work)
    hello, hello_url = serve("bench.hello:app", env, work)
    result = {"database": kind, "appointments": size}
    try:
        deep = ("bookings list, middle of the history", data.middle_of_history(database_url), "staff")
        rows = measure(app_url, hello_url, cookies_for(app_url, secret), [*PAGES, deep])
        out("| page | requests/s | p50 | p99 | ratio to hello | non-2xx/3xx |\n|---|---:|---:|---:|---:|---:|")
        for row in rows:
            numbers = f"{row['rps']:.0f} | {row['p50']} | {row['p99']} | {row['ratio']:.3f} | {row['bad']}"
            out(f"| {row['page']} | {numbers} |")
        result["pages"] = rows
        if kind == "postgresql" and size == SIZES[0] and os.environ.get("BENCH_CLIENTS", "32") != "0":
            report = load.run(
                app_url,
                database_url,
                clients=int(os.environ.get("BENCH_CLIENTS", "32")),
                seconds=int(os.environ.get("BENCH_LOAD_SECONDS", "30")),
            )
            out("\n" + load.describe(report))
            result["load"] = report
    finally:
        for process in (app, hello):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    return result


def main():
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    report_path = results_dir / f"{stamp}.md"
    lines = []

    def out(text):
        print(text, flush=True)
        lines.append(text)

    out(f"# Benchmark {stamp}\n")
    out(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.platform()}. gunicorn sync × {WORKERS}, wrk 2 threads × "
        f"{CONNECTIONS} connections × {DURATION} s, median of {ROUNDS} interleaved rounds."
    )
    results = []
    postgres = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for size in SIZES:
            results.append(run_one("sqlite", f"sqlite:///{work}/bench-{size}.sqlite3", size, work, out))
        if postgres:
            for size in SIZES:
                url, name = postgres_database(postgres)
                try:
                    results.append(
                        run_one("postgresql", url.replace("postgresql://", "postgresql+psycopg://", 1), size, work, out)
                    )
                finally:
                    drop_postgres(postgres, name)
    report_path.write_text("\n".join(lines) + "\n")
    (results_dir / f"{stamp}.json").write_text(json.dumps(results, indent=2, default=str))
    shutil.copyfile(report_path, results_dir / "latest.md")
    print(f"\nsaved to {report_path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""Nightly backups: deploy/backup writes a private dump, deploy/restore-check proves it restores.

Both scripts run for real, as the systemd timer or an admin would run them, against the machine's
PostgreSQL; the clinic's database is built by the real migrations and ``flask seed``.
"""

import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from clinic_app import create_app
from clinic_app.extensions import db
from clinic_app.models import Office, OutboxMessage, PatientQuestion
from tests.conftest import need_service

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
BACKUP = REPO / "deploy" / "backup"
RESTORE_CHECK = REPO / "deploy" / "restore-check"
DUMP_NAME = re.compile(r"clinic-\d{8}-\d{6}\.dump")
SIZE = re.compile(r"\(\d+(\.\d+)?[KMGT]?i?B\)")
PASSWORD = "nightly-backup-secret-7f3a"  # ignored by the test server (trust), never to be printed
FIRST_VISIT = datetime(2031, 3, 3, 15, tzinfo=UTC)  # a Monday, 10:00 in Fairfax
DAY = 86400
LOCAL_SOCKET = Path("/var/run/postgresql/.s.PGSQL.5432")


@pytest.fixture(autouse=True)
def postgres_client_tools():
    """pg_dump, pg_restore and psql, which the scripts call."""
    missing = [tool for tool in ("pg_dump", "pg_restore", "psql") if shutil.which(tool) is None]
    if missing:
        need_service(f"the PostgreSQL client programs are not installed: {', '.join(missing)}")


@pytest.fixture
def app(postgres_url, tmp_path):
    """The clinic's app on a fresh PostgreSQL database built by ``flask db upgrade`` and ``flask seed``.

    It replaces conftest's SQLite ``app`` here, so ``make_appointment`` books into this database.
    """
    for command in (["db", "upgrade"], ["seed"]):
        flask_command(postgres_url, *command)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=postgres_url, MAIL_SINK_DIR=str(tmp_path / "mail"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def restore_server(postgres_server):
    """RESTORE_CHECK_URL: the test server's ``test`` database."""
    return libpq(postgres_server)


@pytest.fixture
def backup_dir(tmp_path):
    """An empty BACKUP_DIR."""
    path = tmp_path / "backups"
    path.mkdir()
    return path


def libpq(url):
    """A SQLAlchemy URL as the plain ``postgresql://`` URL psql and psycopg take."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def flask_command(database_url, *args):
    """Run ``flask --app wsgi ARGS`` on ``database_url``, as a deploy would."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        env={**os.environ, "DATABASE_URL": database_url, "CLINIC_ENV": "development"},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


def run_script(script, *args, **env):
    """Run a deploy script with extra environment variables; the finished process, with its ``pid``."""
    with subprocess.Popen(
        [str(script), *args], env={**os.environ, **env}, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    result.pid = process.pid  # the script's $$, which names restore-check's scratch database
    return result


def run_backup(backup_dir, database_url, keep_days=14):
    """deploy/backup, as the nightly timer runs it."""
    return run_script(BACKUP, BACKUP_DIR=str(backup_dir), DATABASE_URL=database_url, BACKUP_KEEP_DAYS=str(keep_days))


def run_restore_check(backup_dir, server_url, *dump):
    """deploy/restore-check on the newest dump in ``backup_dir`` (or on ``dump``)."""
    return run_script(RESTORE_CHECK, *dump, BACKUP_DIR=str(backup_dir), RESTORE_CHECK_URL=server_url)


def with_password(url):
    """``url`` carrying a password, and that password (the one it has, or one the server ignores)."""
    parsed = make_url(url)
    if parsed.password:
        return url, parsed.password
    return parsed.set(password=PASSWORD).render_as_string(hide_password=False), PASSWORD


def dumps_in(backup_dir):
    """The names of the files in ``backup_dir``, sorted."""
    return sorted(path.name for path in backup_dir.iterdir())


def book_visits(make_appointment, count, first_day=0):
    """``count`` confirmed follow-up visits, one a day from ``FIRST_VISIT + first_day`` days."""
    for day in range(first_day, first_day + count):
        make_appointment(FIRST_VISIT + timedelta(days=day))


def add_question_and_emails(app, emails):
    """One patient question to the Fairfax office and ``emails`` queued emails."""
    with app.app_context():
        fairfax = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        db.session.add(
            PatientQuestion(
                office=fairfax,
                name="Rosa Parkes",
                email="rosa@example.org",
                message="Do you see patients on Saturdays?",
            )
        )
        for n in range(emails):
            db.session.add(
                OutboxMessage(
                    kind="question.office",
                    recipients=["desk@example.org"],
                    subject=f"Website question #{n}",
                    text_body="Saturdays?",
                )
            )
        db.session.commit()


def scratch_database_left(server_url, check):
    """Whether the scratch database of that restore-check run still exists on the server."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [f"clinic_restore_check_{check.pid}"])
        return row.fetchone() is not None


def old_dump(backup_dir, days_old, suffix=".dump"):
    """A fake dump named and dated ``days_old`` days ago; its path."""
    when = time.time() - days_old * DAY
    path = backup_dir / f"clinic-{datetime.fromtimestamp(when):%Y%m%d-%H%M%S}{suffix}"
    path.write_bytes(b"an old nightly dump")
    os.utime(path, (when, when))
    return path


def tiny_clinic_schema(database_url, appointments):
    """Just the three tables restore-check counts, with ``appointments`` rows (no migrations: fast)."""
    with psycopg.connect(libpq(database_url)) as conn:
        for table in ("appointment", "patient_question", "outbox_message"):
            conn.execute(f"CREATE TABLE {table} (id serial PRIMARY KEY)")
        for _ in range(appointments):
            conn.execute("INSERT INTO appointment DEFAULT VALUES")


def next_second():
    """Sleep into the next wall-clock second, so the next dump gets a new name."""
    time.sleep(1.01 - time.time() % 1)


def test_nightly_backup_is_a_private_dump_that_restores_with_every_appointment(
    app, make_appointment, postgres_url, restore_server, backup_dir
):
    book_visits(make_appointment, 3)
    add_question_and_emails(app, emails=2)
    database_url, password = with_password(postgres_url)

    backup = run_backup(backup_dir, database_url)

    assert backup.returncode == 0, backup.stderr
    [name] = dumps_in(backup_dir)  # one dump, no .partial left behind
    assert DUMP_NAME.fullmatch(name)
    dump = backup_dir / name
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    [line] = backup.stdout.splitlines()
    assert str(dump) in line and SIZE.search(line), line
    output = backup.stdout + backup.stderr
    assert password not in output and make_url(postgres_url).database not in output

    check = run_restore_check(backup_dir, restore_server)

    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == (f"restore-check: {name} restored: 3 appointments, 1 patient question, 2 emails")
    assert not scratch_database_left(restore_server, check)


def test_a_visit_booked_after_a_backup_is_in_the_next_backup_only(
    app, make_appointment, postgres_url, restore_server, backup_dir
):
    book_visits(make_appointment, 2)
    assert run_backup(backup_dir, postgres_url).returncode == 0
    [first] = dumps_in(backup_dir)
    assert "restored: 2 appointments," in run_restore_check(backup_dir, restore_server).stdout

    book_visits(make_appointment, 1, first_day=7)
    next_second()
    assert run_backup(backup_dir, postgres_url).returncode == 0

    assert len(dumps_in(backup_dir)) == 2
    newest = run_restore_check(backup_dir, restore_server)
    assert newest.returncode == 0, newest.stderr
    assert "restored: 3 appointments," in newest.stdout and first not in newest.stdout
    earlier = run_restore_check(backup_dir, restore_server, str(backup_dir / first))
    assert f"{first} restored: 2 appointments," in earlier.stdout


def test_dumps_older_than_the_keep_days_are_deleted_and_recent_ones_kept(postgres_url, backup_dir):
    expired = [old_dump(backup_dir, 20), old_dump(backup_dir, 15)]
    recent = old_dump(backup_dir, 3)
    crashed = old_dump(backup_dir, 2, suffix=".dump.partial")  # a run killed mid-dump
    notes = backup_dir / "README.txt"
    notes.write_text("Copied off-site every morning.")
    os.utime(notes, (time.time() - 90 * DAY,) * 2)

    backup = run_backup(backup_dir, postgres_url, keep_days=14)

    assert backup.returncode == 0, backup.stderr
    assert "deleted 2 dump(s) older than 14 days" in backup.stdout
    remaining = dumps_in(backup_dir)
    assert all(path.name not in remaining for path in [*expired, crashed])
    assert recent.name in remaining and notes.name in remaining
    assert len([name for name in remaining if DUMP_NAME.fullmatch(name)]) == 2


def test_the_newest_dump_is_kept_even_when_every_dump_is_past_the_keep_days(postgres_url, backup_dir):
    old_dump(backup_dir, 40)
    old_dump(backup_dir, 1)

    backup = run_backup(backup_dir, postgres_url, keep_days=0)

    assert backup.returncode == 0, backup.stderr
    [newest] = dumps_in(backup_dir)
    assert newest in backup.stdout


def test_a_failed_backup_writes_no_dump_and_deletes_no_older_one(postgres_server, backup_dir):
    last_good = old_dump(backup_dir, 30)
    missing = make_url(postgres_server).set(drivername="postgresql+psycopg", database="clinic_no_such_database")
    database_url, password = with_password(missing.render_as_string(hide_password=False))

    backup = run_backup(backup_dir, database_url, keep_days=14)

    assert backup.returncode != 0
    assert "pg_dump failed: no dump written" in backup.stderr
    assert dumps_in(backup_dir) == [last_good.name]  # no new dump, no .partial, nothing deleted
    assert password not in backup.stdout + backup.stderr


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "postgresql", "postgres"])
def test_backup_accepts_the_database_url_as_the_app_or_a_host_writes_it(postgres_url, backup_dir, scheme):
    database_url = (
        make_url(postgres_url).render_as_string(hide_password=False).replace("postgresql+psycopg://", f"{scheme}://", 1)
    )

    backup = run_backup(backup_dir, database_url)

    assert backup.returncode == 0, backup.stderr
    assert len(dumps_in(backup_dir)) == 1


def test_restore_check_says_so_when_there_is_no_backup_at_all(restore_server, backup_dir):
    check = run_restore_check(backup_dir, restore_server)

    assert check.returncode != 0
    assert f"no clinic-*.dump in {backup_dir}" in check.stderr
    assert check.stdout == ""


def test_restore_check_fails_on_a_damaged_dump_and_leaves_no_scratch_database(restore_server, backup_dir):
    damaged = old_dump(backup_dir, 1)

    check = run_restore_check(backup_dir, restore_server)

    assert check.returncode != 0
    assert f"{damaged.name} did NOT restore" in check.stderr
    assert not scratch_database_left(restore_server, check)


def test_restore_check_fails_on_a_dump_of_a_database_without_appointments(postgres_url, restore_server, backup_dir):
    assert run_backup(backup_dir, postgres_url).returncode == 0  # an empty database, not the clinic's

    check = run_restore_check(backup_dir, restore_server)

    assert check.returncode != 0
    assert "has no appointment table" in check.stderr
    assert not scratch_database_left(restore_server, check)


def test_restore_check_run_with_sudo_reads_the_private_dumps_and_restores_as_postgres(
    postgres_url, backup_dir, monkeypatch
):
    if os.geteuid() != 0:
        pytest.skip("runs restore-check as root, as `sudo deploy/restore-check` does on the server")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("there is no postgres user on this machine")
    if not LOCAL_SOCKET.exists():
        pytest.skip(f"the default RESTORE_CHECK_URL needs PostgreSQL's local socket, {LOCAL_SOCKET}")
    tiny_clinic_schema(postgres_url, appointments=2)
    assert run_backup(backup_dir, postgres_url).returncode == 0
    [name] = dumps_in(backup_dir)
    backup_dir.chmod(0o700)  # as /var/backups/clinic is: the postgres user cannot read the dumps
    cannot_read = ["runuser", "-u", "postgres", "--", "test", "-r", str(backup_dir / name)]
    assert subprocess.run(cannot_read, cwd="/").returncode != 0

    monkeypatch.delenv("RESTORE_CHECK_URL", raising=False)  # the default: the local socket, as postgres
    check = run_script(RESTORE_CHECK, BACKUP_DIR=str(backup_dir))

    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == f"restore-check: {name} restored: 2 appointments, 0 patient questions, 0 emails"
    assert check.stderr == ""

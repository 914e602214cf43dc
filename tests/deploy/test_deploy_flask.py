"""deploy/flask: administrators' commands see exactly the settings the services see."""

import sqlite3
import subprocess

from tests.production.stack import DEPLOY


def run(env_file, *args):
    return subprocess.run(
        [str(DEPLOY / "flask"), *args],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "CLINIC_ENV_FILE": str(env_file)},
    )


def test_values_with_spaces_and_symbols_reach_the_app_as_written(tmp_path):
    database = tmp_path / "clinic.sqlite3"
    env_file = tmp_path / "clinic.env"
    env_file.write_text(f"""# settings
CLINIC_ENV=development
DATABASE_URL=sqlite:///{database}
  FAIRFAX_PHONE = (703) 555-0142 & ext. $9
a line without an equals sign is ignored, as systemd does
""")
    assert run(env_file, "db", "upgrade").returncode == 0
    seeded = run(env_file, "seed")
    assert seeded.returncode == 0, seeded.stderr
    with sqlite3.connect(database) as db:
        [(phone,)] = db.execute("SELECT phone FROM office WHERE slug = 'fairfax'").fetchall()
    assert phone == "(703) 555-0142 & ext. $9"


def test_quotes_or_backslashes_are_refused_naming_the_setting(tmp_path):
    for line in ("MAIL_PASSWORD='secret'", 'MAIL_PASSWORD="secret"', "MAIL_PASSWORD=sec\\ret"):
        env_file = tmp_path / "clinic.env"
        env_file.write_text(line + "\n")
        result = run(env_file, "--version")
        assert result.returncode == 2
        assert "MAIL_PASSWORD without quotes or backslashes" in result.stderr
        assert "secret" not in result.stderr and "sec\\ret" not in result.stderr


def test_an_unreadable_settings_file_is_explained(tmp_path):
    result = run(tmp_path / "missing.env", "seed")
    assert result.returncode == 2 and "cannot read" in result.stderr

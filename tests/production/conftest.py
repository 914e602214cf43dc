"""One production stack for the module: nginx (TLS), two app instances, two outbox workers, a mail relay.

PostgreSQL and Redis are the machine's own; the database is created for this run and dropped
after it. Everything else is started from deploy/ (see stack.py) and stopped at the end.
"""

import contextlib
import email
import os
import secrets
import ssl
import subprocess
import sys
import uuid
from email import policy
from types import SimpleNamespace

import psycopg
import pytest
import redis
from sqlalchemy.engine import make_url

from tests.conftest import TIMEOUT_MS, answers, free_port, need_service, wait_for
from tests.production.stack import (
    DEPLOY,
    Process,
    TcpLink,
    exec_start,
    make_certificate,
    nginx_binary,
    nginx_main_config,
    read_env_file,
    render_site,
)

ADMIN_EMAIL = "admin@clinic.test"
ADMIN_PASSWORD = "a long production passphrase"


class MailRelay:
    """The clinic's SMTP relay: aiosmtpd on loopback with STARTTLS required, keeping every message."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"to": list(envelope.rcpt_tos), "message": parsed})
        return "250 Message accepted for delivery"


def deploy_flask(env, *args):
    """``deploy/flask ...`` as the administrator runs it on the server (docs/deploy.md)."""
    result = subprocess.run(
        [str(DEPLOY / "flask"), *args], cwd="/", env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="session")
def production(tmp_path_factory, postgres_server, redis_server):
    """The whole stack, up and answering over https://localhost:<port>."""
    if not os.path.exists(nginx_binary()):
        need_service("nginx is not installed (apt-get install nginx-light)")
    folder = tmp_path_factory.mktemp("production")
    with contextlib.ExitStack() as cleanup:  # every part is undone, even when a later one fails
        yield start_stack(folder, postgres_server, redis_server, cleanup)


def drop_database(admin_url, name):
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_stack(folder, postgres_server, redis_url, cleanup):
    """Start every part, registering how to stop it with ``cleanup`` as soon as it exists."""
    from aiosmtpd.controller import Controller

    from tests.fake_sms import FakeTwilio

    logs = folder / "logs"
    logs.mkdir()
    cert, key = make_certificate(folder)

    # PostgreSQL: a database of its own for this run; Redis: the test database, emptied.
    database = f"clinic_prod_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    cleanup.callback(drop_database, postgres_server, database)
    database_url = make_url(postgres_server).set(database=database).render_as_string(hide_password=False)
    redis.Redis.from_url(redis_url).flushdb()

    relay = MailRelay()
    relay_port = free_port()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    controller = Controller(relay, hostname="127.0.0.1", port=relay_port, tls_context=tls, require_starttls=True)
    controller.start()
    cleanup.callback(controller.stop)

    # Text messages go to a local fake of the SMS provider's API (plain HTTP on loopback).
    texts = cleanup.enter_context(FakeTwilio())

    https_port, http_port = free_port(), free_port()
    app_ports = (free_port(), free_port())
    base_url = f"https://localhost:{https_port}"

    # The environment file as an administrator fills it in for this machine.
    settings = read_env_file(DEPLOY / "clinic.env.example")
    settings.update(
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=database_url,
        RATELIMIT_STORAGE_URI=redis_url,
        PUBLIC_BASE_URL=base_url,
        MAIL_SERVER="localhost",
        MAIL_PORT=str(relay_port),
        MAIL_USERNAME="",
        MAIL_PASSWORD="",
        GUNICORN_WORKERS="2",
        OUTBOX_POLL_SECONDS="0.5",
        # Browsers driven by a test fill a form in milliseconds; the minimum fill time is proven
        # in tests/booking/test_anti_automation.py (the honeypot stays on here).
        FORM_MIN_FILL_SECONDS="0",
        **texts.settings(),
    )
    base_env = {key: value for key, value in os.environ.items() if not key.startswith(("CLINIC_", "FLASK_"))}
    # HOME as under systemd's ProtectSystem=strict: nothing may be written there.
    env = {
        **base_env,
        **settings,
        "SSL_CERT_FILE": str(cert),
        "PYTHONUNBUFFERED": "1",
        "HOME": "/proc/clinic-home",
        "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}",
    }

    env_file = folder / "clinic.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
    admin_env = {**base_env, "CLINIC_ENV_FILE": str(env_file), "SSL_CERT_FILE": str(cert)}

    # Install as docs/deploy.md says: migrate, seed, first admin, static files for nginx.
    deploy_flask(admin_env, "db", "upgrade")
    deploy_flask(admin_env, "seed")
    deploy_flask(
        {**admin_env, "CLINIC_USER_PASSWORD": ADMIN_PASSWORD},
        "users",
        "create",
        "--email",
        ADMIN_EMAIL,
        "--name",
        "Pat Admin",
        "--role",
        "admin",
    )
    deploy_flask(admin_env, "assets", "build", str(folder / "var-lib-clinic" / "assets"))

    # Instance B reaches Redis through a link the tests can cut.
    redis_link = TcpLink(make_url(redis_url).port or 6379)
    cleanup.callback(redis_link.sever)
    link_url = make_url(redis_url).set(port=redis_link.port).render_as_string(hide_password=False)

    def started(name, argv, process_env):
        process = Process(name, argv, process_env, logs)
        cleanup.callback(process.stop)
        return process

    web_unit, outbox_unit = DEPLOY / "systemd" / "clinic-web@.service", DEPLOY / "systemd" / "clinic-outbox.service"
    instances = []
    for name, port, limits in (("web-a", app_ports[0], redis_url), ("web-b", app_ports[1], link_url)):
        instance = started(name, exec_start(web_unit, str(port)), {**env, "RATELIMIT_STORAGE_URI": limits})
        instance.port = port
        instances.append(instance)
    workers = [started(f"outbox-{n}", exec_start(outbox_unit), env) for n in (1, 2)]
    for instance in instances:
        health = f"http://127.0.0.1:{instance.port}/healthz"
        assert wait_for(lambda url=health: answers(url), 60), instance.output()

    site = folder / "clinic.conf"
    site.write_text(
        render_site(
            https_port=https_port,
            http_port=http_port,
            app_ports=app_ports,
            cert=cert,
            key=key,
            state=folder / "var-lib-clinic",
        )
    )
    main_config = nginx_main_config(folder, site)
    nginx_argv = [nginx_binary(), "-p", str(folder), "-e", str(folder / "nginx-error.log"), "-c", str(main_config)]
    checked = subprocess.run([*nginx_argv, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    nginx = started("nginx", [*nginx_argv, "-g", "daemon off;"], env)
    https_context = ssl.create_default_context(cafile=str(cert))
    assert wait_for(lambda: answers(base_url + "/healthz", https_context), 20), nginx.output()
    return SimpleNamespace(
        url=base_url,
        http_url=f"http://localhost:{http_port}",
        database_url=database_url,
        relay=relay,
        texts=texts,
        instances=instances,
        workers=workers,
        nginx=nginx,
        nginx_argv=nginx_argv,
        redis_link=redis_link,
        https_context=https_context,
        folder=folder,
        env=env,
    )


@pytest.fixture
def new_browser_context(browser):
    """Factory of fresh browser sessions (no cookies) that accept the test certificate."""
    contexts = []

    def make(javascript=True):
        context = browser.new_context(ignore_https_errors=True, java_script_enabled=javascript)
        context.set_default_timeout(TIMEOUT_MS * 2)
        context.set_default_navigation_timeout(TIMEOUT_MS * 2)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()

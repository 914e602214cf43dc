"""The production stack on loopback, built from the files in deploy/ as an administrator installs them.

Only ports, paths and the host name are changed (``/srv/clinic/current`` becomes this checkout,
``/var/lib/clinic`` a folder of the test,
``clinic.example.org`` becomes ``localhost``, 80/443/8001/8002 become free ports, the Let's Encrypt
paths become a certificate made here); the environment file is the example with this machine's
database, Redis, mail relay and secrets filled in, as an administrator fills it in.
"""

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTALLED_ROOT = "/srv/clinic/current"
SITE_NAME = "clinic.example.org"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost (nginx's and the mail relay's), made with openssl."""
    cert, key = folder / "localhost.pem", folder / "localhost.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def read_env_file(path: Path) -> dict:
    """KEY=VALUE lines as systemd's EnvironmentFile reads them (comments and blanks skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip('"')
    return values


def exec_start(unit: Path, instance: str | None = None) -> list[str]:
    """The unit's ExecStart as an argument list, for this checkout and its virtualenv."""
    [line] = [line for line in unit.read_text().splitlines() if line.startswith("ExecStart=")]
    command = line.removeprefix("ExecStart=").replace(INSTALLED_ROOT, str(ROOT))
    if instance is not None:
        command = command.replace("%i", instance)
    return shlex.split(command)


def render_site(*, https_port, http_port, app_ports, cert, key, state) -> str:
    """deploy/nginx/clinic.conf for this machine: ports, paths and name, nothing else."""
    site = (DEPLOY / "nginx" / "clinic.conf").read_text()
    site = re.sub(r"^\s*listen \[::\].*\n", "", site, flags=re.M)  # loopback IPv4 only here
    site = site.replace("listen 443 ", f"listen 127.0.0.1:{https_port} ").replace(
        "listen 80;", f"listen 127.0.0.1:{http_port};"
    )
    for installed, here in zip(("127.0.0.1:8001", "127.0.0.1:8002"), app_ports, strict=False):
        site = site.replace(installed, f"127.0.0.1:{here}")
    site = site.replace(f"/etc/letsencrypt/live/{SITE_NAME}/fullchain.pem", str(cert))
    site = site.replace(f"/etc/letsencrypt/live/{SITE_NAME}/privkey.pem", str(key))
    site = site.replace(INSTALLED_ROOT, str(ROOT)).replace("/var/lib/clinic", str(state))
    site = site.replace("/var/log/nginx/", f"{state}/")
    site = site.replace(SITE_NAME, "localhost")
    return site


def nginx_main_config(folder: Path, site: Path) -> Path:
    """A main nginx.conf with Debian's defaults that includes the site, all state in ``folder``."""
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read this checkout's static/
    config = folder / "nginx.conf"
    config.write_text(f"""{user}worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "nginx-error.log"} warn;
events {{ worker_connections 256; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    gzip on;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {site};
}}
""")
    return config


def nginx_binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


class Process:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, name, argv, env, log_dir: Path):
        self.name, self.argv = name, argv
        self.log = log_dir / f"{name}.log"
        self._file = open(self.log, "ab")
        self.popen = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=self._file, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, signum):
        try:
            os.killpg(self.popen.pid, signum)
        except ProcessLookupError:
            pass

    def kill(self):
        """SIGKILL to the whole group: a crash, no clean-up."""
        self.signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout=20):
        """SIGTERM to the group, SIGKILL if it lingers; never raises (clean-up goes on)."""
        try:
            if self.alive():
                self.signal(signal.SIGTERM)
                try:
                    self.popen.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self.signal(signal.SIGKILL)
                    self.popen.wait(timeout=10)
        except Exception:  # noqa: BLE001
            pass
        finally:
            self.signal(signal.SIGKILL)  # whatever of the group is left (gunicorn's workers)
            self._file.close()


class TcpLink:
    """A loopback TCP forwarder in front of a service, which a test can cut (the service "goes away")."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        self.cut = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                if self.cut:
                    client.close()
                    upstream.close()
                    return
                self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def sever(self):
        """Close the listener and every open connection: new connections are refused."""
        with self.lock:
            self.cut = True
            try:
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            self.listener.close()
            for connection in self.connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()

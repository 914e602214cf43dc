"""gunicorn settings for one instance of the clinic app (systemd: clinic-web@PORT.service).

The unit passes ``--bind 127.0.0.1:PORT``; everything else is here, tunable from the environment
file. Requests come only from nginx on this host, which terminates TLS.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))  # >1 switches to the gthread worker

# A request that takes longer than this is a stuck worker: it is killed and replaced.
timeout = 30
# On SIGTERM (systemctl stop/restart) workers finish the requests in hand for up to this long.
graceful_timeout = 25
keepalive = 5
# Recycle workers now and then, staggered, so a slow leak never builds up.
max_requests = 2000
max_requests_jitter = 200
worker_tmp_dir = "/dev/shm"

# Trust X-Forwarded-Proto only from nginx on this host (the app's ProxyFix does the same with
# PROXY_HOPS); a request that reaches gunicorn some other way cannot claim to be HTTPS.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No access log: the app writes one line per request without query strings or patients' data.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
capture_output = True
proc_name = "clinic-web"
# gunicorn 27's control socket would live in $HOME/.gunicorn, read-only under the unit's
# ProtectSystem=strict and shared by every instance of the host; nothing here uses it.
control_socket_disable = True

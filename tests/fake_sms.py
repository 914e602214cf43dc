"""A local HTTP server speaking the part of Twilio's REST API the clinic uses (sending a message),
so the SMS provider is tested over real HTTP: the account in the path, basic auth, a form body."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ACCOUNT_SID = "AC00000000000000000000000000000001"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM_NUMBER = "+15715550100"


class FakeTwilio:
    """``messages``: each accepted message's form fields; ``fail_next(status, times)`` makes the
    next requests fail like an outage (5xx) or a refusal (4xx with Twilio's error body)."""

    def __init__(self):
        self.messages = []
        self.requests = 0
        self._failures = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                with fake._lock:
                    fake.requests += 1
                    failure = fake._failures.pop(0) if fake._failures else None
                length = int(self.headers.get("Content-Length", 0))
                fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
                if self.path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
                    return self.answer(404, {"code": 20404, "message": "not found"})
                if self.headers.get("Authorization") != expected:
                    return self.answer(401, {"code": 20003, "message": "Authenticate"})
                if failure is not None:
                    return self.answer(failure, {"code": 21211 if failure < 500 else 20500, "message": "no"})
                with fake._lock:
                    fake.messages.append(fields)
                    sid = f"SM{len(fake.messages):032d}"
                self.answer(201, {"sid": sid, "status": "queued", "to": fields.get("To"), "body": fields.get("Body")})

            def answer(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def fail_next(self, status, times=1):
        with self._lock:
            self._failures.extend([status] * times)

    def settings(self) -> dict:
        """The app settings that send texts here."""
        return {
            "SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_URL": self.url,
        }

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

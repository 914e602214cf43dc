"""A small HTTP client with cookies and CSRF tokens, enough to walk the site's forms."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request


class ServerTiming(urllib.request.BaseHandler):
    """Collects the app's time (``Server-Timing: app;dur=``) of every response, redirects included."""

    handler_order = 1000

    def __init__(self):
        self.milliseconds = []

    def http_response(self, request, response):
        match = re.search(r"app;dur=([\d.]+)", response.headers.get("Server-Timing", ""))
        if match:
            self.milliseconds.append(float(match.group(1)))
        return response

    https_response = http_response


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.timing = ServerTiming()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), self.timing)

    def get(self, path: str) -> str:
        return self.request(path)[1]

    def post(self, path: str, fields: dict) -> tuple[int, str]:
        return self.request(path, urllib.parse.urlencode(fields).encode())

    def request(self, path: str, body: bytes | None = None) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    @staticmethod
    def csrf(page) -> str:
        html = page[1] if isinstance(page, tuple) else page
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

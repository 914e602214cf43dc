"""A small HTTP client with cookies and CSRF tokens, enough to walk the site's forms."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

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

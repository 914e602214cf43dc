"""Where text messages go: a development sink (files, like email) or an SMS provider's HTTP API.

``TwilioApi`` speaks Twilio's REST API (``POST /2010-04-01/Accounts/{sid}/Messages.json``, HTTP
basic auth, a form body) with the standard library; its webhooks are signed with HMAC-SHA1 of the
URL and the sorted form fields (``signature``). Any provider offering the same shape can be added
beside it: a provider is anything with ``send(to, body) -> message id``.
"""

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Protocol

from .. import clock

logger = logging.getLogger("clinic_app.notify")


class TextNotSent(Exception):
    """The provider did not take the message; the outbox tries again later."""

    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent  # retrying cannot help (a number the provider refuses)


class TextProvider(Protocol):
    def send(self, to: str, body: str) -> str:
        """Hand one text to the provider; the provider's id for it. :raise TextNotSent:"""


class FileSink:
    """Development: each text written to ``directory`` as a small .txt file."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def send(self, to: str, body: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{clock.now():%Y%m%d-%H%M%S-%f}"
        path = self.directory / f"{name}.txt"
        path.write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")
        logger.info("Text message written to %s", path)
        return name


class TwilioApi:
    """Twilio's Messages API over HTTPS (``base_url`` is changed only to test against a fake)."""

    def __init__(self, *, account_sid, auth_token, sender=None, messaging_service=None, base_url, timeout=10):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.sender, self.messaging_service = sender, messaging_service
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{urllib.parse.quote(account_sid)}/Messages.json"
        self.timeout = timeout

    def send(self, to: str, body: str) -> str:
        fields = {"To": to, "Body": body}
        if self.messaging_service:
            fields["MessagingServiceSid"] = self.messaging_service
        else:
            fields["From"] = self.sender
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(
            self.url,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Authorization": f"Basic {credentials}", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            code = _error_code(error)
            # 4xx other than 429 (too many requests) is a refusal that a retry cannot change.
            permanent = 400 <= error.code < 500 and error.code not in (408, 429)
            raise TextNotSent(
                f"HTTP {error.code}" + (f" (error {code})" if code else ""), permanent=permanent
            ) from None
        except (OSError, ValueError) as error:  # unreachable, timed out, or not JSON
            raise TextNotSent(type(error).__name__) from None
        return str(answer.get("sid", ""))


def _error_code(error) -> str:
    """Twilio's own error number from an error answer, if it sent one (never the message text)."""
    try:
        return str(json.loads(error.read() or b"{}").get("code") or "")
    except (OSError, ValueError):
        return ""


def signature(auth_token: str, url: str, fields) -> str:
    """The signature Twilio puts in ``X-Twilio-Signature``: HMAC-SHA1 (keyed with the auth token)
    of the full URL followed by each form field's name and value, sorted, base64-encoded.
    ``fields``: (name, value) pairs, a name may repeat."""
    data = url + "".join(name + value for name, value in sorted(fields))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_matches(auth_token: str, url: str, fields, given: str | None) -> bool:
    """Whether ``given`` is the right signature for this request (compared in constant time)."""
    if not given or not auth_token:
        return False
    return hmac.compare_digest(signature(auth_token, url, fields), given)


def provider_from_config(config, instance_path) -> TextProvider | None:
    """The provider ``SMS_BACKEND`` names (None when texts are off)."""
    backend = config["SMS_BACKEND"]
    if backend == "file":
        return FileSink(Path(config.get("SMS_SINK_DIR") or Path(instance_path) / "sms"))
    if backend == "twilio":
        return TwilioApi(
            account_sid=config["TWILIO_ACCOUNT_SID"],
            auth_token=config["TWILIO_AUTH_TOKEN"],
            sender=config["TWILIO_FROM_NUMBER"],
            messaging_service=config["TWILIO_MESSAGING_SERVICE_SID"],
            base_url=config["TWILIO_API_URL"],
            timeout=config["SMS_TIMEOUT"],
        )
    return None

"""A small HTTP client for the load tools, and the one place where people sign in.

The server runs with production settings, so its session cookie is ``Secure`` with the
``__Host-`` prefix; a browser would not send it over plain HTTP on loopback, so this
client keeps cookies itself and sends them whatever the scheme. Each ``Client`` is one
person: one thread at a time.

Staff sign in through ``sign_in_staff``: when staff sign-in gains a second step (a TOTP
code), that function is the one place to extend. Providers keep password-only sign-in.
"""

import http.client
import secrets
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pyotp

from app.demo.data import ACCOUNTS, totp_secret

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the published demo password (README)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Client:
    def __init__(self, base_url: str, timeout: float = 120):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.csrf_token = ""
        self._connection = None

    def _connect(self):
        if self._connection is None:
            self._connection = http.client.HTTPConnection(
                self.host, self.port, timeout=self.timeout
            )
        return self._connection

    def request(self, method, path, *, form=None, files=None) -> Response:
        headers = {"Accept-Language": "ja"}
        body = None
        if files:
            body, headers["Content-Type"] = multipart(form or {}, files)
        elif form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request(method, path, body=body, headers=headers)
                reply = connection.getresponse()
                data = reply.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server had closed; a new one, once.
                self.close()
                if attempt == 2:
                    raise
        seconds = time.perf_counter() - started
        for header in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in header or "expires=Thu, 01 Jan 1970" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        if reply.will_close:
            self.close()
        return Response(reply.status, reply.headers, data, seconds)

    def get(self, path) -> Response:
        return self.request("GET", path)

    def post(self, path, form=None, files=None) -> Response:
        """A form post with the session's CSRF token (fetched once per session)."""
        if not self.csrf_token:
            self.refresh_csrf("/register")
        return self.request(
            "POST", path, form={"csrf_token": self.csrf_token, **(form or {})}, files=files
        )

    def refresh_csrf(self, path):
        page = self.get(path)
        token = hidden_inputs(page.text).get("csrf_token")
        if not token:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {page.status})")
        self.csrf_token = token
        return page

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """``files``: name -> (filename, bytes, content type)."""
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{item}\r\n".encode()
            )
    for name, (filename, data, kind) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _sign_in(client: Client, email: str, password: str) -> Response:
    client.refresh_csrf("/login")
    response = client.post("/login", {"email": email, "password": password})
    if response.status != 302:
        raise RuntimeError(f"sign-in as {email} was refused (HTTP {response.status})")
    # The session changes at sign-in; so does the token bound to it.
    client.csrf_token = ""
    return response


def sign_in_provider(client: Client, email: str, password: str = DEMO_PASSWORD) -> Response:
    return _sign_in(client, email, password)


def sign_in_staff(client: Client, email: str, password: str = DEMO_PASSWORD) -> Response:
    """Staff sign-in: the password, then the demo account's current code (its published
    key, app/demo/data.py). A code is accepted once, so a second sign-in of the same
    account within 30 seconds waits for the next one."""
    response = _sign_in(client, email, password)
    if "/login/code" not in response.location:
        return response
    account = next(a for a in ACCOUNTS if a.email == email)
    totp = pyotp.TOTP(totp_secret(account))
    for _ in range(3):
        client.refresh_csrf("/login/code")
        response = client.post("/login/code", {"code": totp.now()})
        if response.status == 302 and "/login" not in response.location:
            client.csrf_token = ""
            return response
        time.sleep(totp.interval - time.time() % totp.interval + 0.5)
    raise RuntimeError(f"the code step for {email} was refused (HTTP {response.status})")


class FormValues(HTMLParser):
    """The hidden inputs of a page: what a browser would send back unchanged."""

    def __init__(self):
        super().__init__()
        self.hidden: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.hidden[a["name"]] = a.get("value") or ""


def hidden_inputs(html: str) -> dict[str, str]:
    parser = FormValues()
    parser.feed(html)
    return parser.hidden

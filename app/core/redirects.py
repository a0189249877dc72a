"""`next` parameters may only lead back into this site."""

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    if not target:
        return None
    # Browsers treat backslashes and control characters leniently; refuse them outright.
    if "\\" in target or any(ord(c) < 0x20 or c == "\x7f" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target

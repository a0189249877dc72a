"""Links that leave the request: in mail, read elsewhere and later."""

from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """``endpoint``'s address at PUBLIC_BASE_URL, the address people use, whatever
    address the request (if any) came to: a mailed link must work from anywhere."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)

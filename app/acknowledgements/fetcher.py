"""The only way WeasyPrint may load anything while rendering an acknowledgement.

It serves files inside the project's ``static`` folder, the font files named in
:data:`FONT_FILES`, the sRGB profile and ``data:`` URIs. Every other URL
(``http:``, ``https:``, ``ftp:``, ``file:`` elsewhere, a path that climbs out of
``static`` by ``..`` or by a symbolic link) is refused with an exception and a
warning in the log.

WeasyPrint 70 takes a :class:`weasyprint.urls.URLFetcher` instance rather than a
function, so :class:`AcknowledgementFetcher` subclasses it and overrides
:meth:`~AcknowledgementFetcher.fetch`; ``url_fetcher`` is the shared instance and
can be called like the old function, ``url_fetcher(url)``.
"""

import logging
import mimetypes
import os
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
STATIC_ROOT = PROJECT_ROOT / "static"

# Debian packages: fonts-ipaexfont-gothic, fonts-noto-cjk, fonts-dejavu-core.
FONT_FILES = {
    # Japanese text: JIS X 0208 and more (髙, ①), small and quick to subset.
    "gothic": "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    # Kanji IPAex lacks, such as 𠮷 (U+20BB7) in the supplementary planes.
    "cjk_fallback": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    # Symbols and emoji that neither Japanese font has.
    "symbols": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    # Hashes, codes and URLs.
    "mono": "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
}

# The sRGB output intent that PDF/A needs: the copy WeasyPrint ships, loaded through
# this fetcher by an @color-profile rule (see render._Renderer._color_profiles).
SRGB_PROFILE = str(files("weasyprint.pdf") / "sRGB2014.icc")

_LOGGED_URL_LENGTH = 200


class FetchRefused(ValueError):
    """The URL is not one an acknowledgement may load."""


def _loggable(url: str) -> str:
    """repr() of the URL, cut short: repr escapes CR, LF and other controls."""
    if len(url) > _LOGGED_URL_LENGTH:
        url = url[:_LOGGED_URL_LENGTH] + "…"
    return repr(url)


class AcknowledgementFetcher(URLFetcher):
    """Serve our static files, the allowed fonts and ``data:`` URIs; refuse the rest."""

    def __init__(self, static_root=STATIC_ROOT, allowed_files=None, fail_on_errors=True):
        # The parent only ever sees data: URIs, and would refuse anything else too.
        # fail_on_errors: a refused or missing resource stops the render instead of
        # issuing a document without its font or QR code.
        super().__init__(
            allowed_protocols=("data",), allow_redirects=False, fail_on_errors=fail_on_errors
        )
        self.static_root = os.path.realpath(static_root)
        if allowed_files is None:
            allowed_files = (*FONT_FILES.values(), SRGB_PROFILE)
        self.allowed_files = frozenset(os.path.realpath(path) for path in allowed_files)

    @property
    def base_url(self) -> str:
        """The URL that relative references in our templates resolve against."""
        return Path(self.static_root).as_uri() + "/"

    def fetch(self, url, headers=None):
        if not isinstance(url, str):
            raise self._refuse(f"<{type(url).__name__}>", "not a string")
        scheme = url.partition(":")[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise self._refuse(url, "scheme not allowed")
        path = self._local_path(url)
        inside_static = os.path.commonpath([self.static_root, path]) == self.static_root
        if not (inside_static or path in self.allowed_files):
            raise self._refuse(url, "outside the static folder and the allowlist")
        if not os.path.isfile(path):
            raise self._refuse(url, "no such file")
        with open(path, "rb") as file:
            body = file.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    def _local_path(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise self._refuse(url, "file URL on another host")
        path = unquote(parts.path)
        if "\x00" in path or not path.startswith("/"):
            raise self._refuse(url, "malformed path")
        # realpath resolves "..", "." and symbolic links before the containment check.
        return os.path.realpath(path)

    @staticmethod
    def _refuse(url: str, reason: str) -> FetchRefused:
        logger.warning("Refused to fetch %s while rendering: %s", _loggable(url), reason)
        return FetchRefused(f"refused to fetch {_loggable(url)}: {reason}")


url_fetcher = AcknowledgementFetcher()

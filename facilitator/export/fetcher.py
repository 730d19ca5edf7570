"""The only URL fetcher WeasyPrint gets: the annex's own font files and its logo, nothing else.

No file:// of anyone's choosing, no network, no data: URLs, no redirects: a URL is either
one of the names below (answered from FONT_DIR without touching a URL library) or refused.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

from .fonts import ASSET_BASE, FONT_DIR, FONT_FILES, LOGO_MIME, logo_url


class AnnexFetcher(URLFetcher):
    """Serves fonts/<name> for the annex's font files; records and refuses every other URL."""

    def __init__(self, logo: dict | None = None) -> None:
        # no protocols and no redirects for the inherited opener, which fetch() never uses
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.assets = {f"{ASSET_BASE}fonts/{name}": FONT_DIR / name for name in FONT_FILES.values()}
        self.refused: list[str] = []
        # the house style's logo, sanitised before it got here: {"type": "svg", "data": base64}
        self.logo: tuple[str, bytes, str] | None = None
        if logo and logo.get("type") in LOGO_MIME:
            kind = logo["type"]
            self.logo = (logo_url(kind), base64.b64decode(logo["data"]), LOGO_MIME[kind])

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        """Answer an allowed asset from disk (or the logo from memory); refuse anything else."""
        if self.logo is not None and url == self.logo[0]:
            return URLFetcherResponse(url, body=self.logo[1], headers={"Content-Type": self.logo[2]})
        path = self.assets.get(url)
        if path is None:
            self.refused.append(url[:300])
            raise URLFetchingError(f"not an annex asset: {url[:120]}")
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": "font/ttf"})

    def open(self, url, data=None, timeout=None):  # noqa: D401 - urllib's name
        """urllib-style entry point: the same rules as fetch()."""
        target = url.full_url if hasattr(url, "full_url") else url
        return self.fetch(target)


class StaticOnlyFetcher(URLFetcher):
    """For the table cards: data: URLs and files under one static folder; refuses the rest."""

    def __init__(self, static_dir: str | Path):
        super().__init__(timeout=2, allowed_protocols=("data",), allow_redirects=False)
        self.static_dir = Path(static_dir).resolve()
        self.fetched: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """The resource, or ValueError for anything outside data: and the static folder."""
        scheme = url.partition(":")[0].lower()
        if scheme == "data":
            self.fetched.append(url[:100])
            return super().fetch(url, headers)
        if scheme == "file":
            path = self.static_path(url)
            if path is not None:
                self.fetched.append(url[:300])
                mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mimetype})
        raise ValueError(f"refused to fetch {url[:100]!r}: only data: URLs and the app's static files")

    def static_path(self, url: str) -> Path | None:
        """The file a file: URL names, if it is a regular file inside the static folder."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.static_dir) or not path.is_file():
            return None
        return path

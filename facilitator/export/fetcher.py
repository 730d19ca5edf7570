"""The only URL fetcher WeasyPrint gets: the annex's own font files, nothing else.

No file:// of anyone's choosing, no network, no data: URLs, no redirects: a URL is either
one of the names below (answered from FONT_DIR without touching a URL library) or refused.
"""

from __future__ import annotations

from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

from .fonts import ASSET_BASE, FONT_DIR, FONT_FILES


class AnnexFetcher(URLFetcher):
    """Serves fonts/<name> for the annex's font files; records and refuses every other URL."""

    def __init__(self) -> None:
        # no protocols and no redirects for the inherited opener, which fetch() never uses
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.assets = {f"{ASSET_BASE}fonts/{name}": FONT_DIR / name for name in FONT_FILES.values()}
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        """Answer an allowed asset from disk; refuse anything else."""
        path = self.assets.get(url)
        if path is None:
            self.refused.append(url[:300])
            raise URLFetchingError(f"not an annex asset: {url[:120]}")
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": "font/ttf"})

    def open(self, url, data=None, timeout=None):  # noqa: D401 - urllib's name
        """urllib-style entry point: the same rules as fetch()."""
        target = url.full_url if hasattr(url, "full_url") else url
        return self.fetch(target)

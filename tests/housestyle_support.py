"""What the publication and house style tests share: the demo meeting and a house style (an
organisation, an SVG logo, an accent)."""

from __future__ import annotations

from pathlib import Path

from facilitator import sessionfile

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "sessions" / "ser-raad-2023-01-27.toml"
DEMO_DATA = sessionfile.loads(DEMO.read_bytes())

LOGO_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40">'
    b'<rect width="40" height="40" rx="6" fill="#8a1c4a"/><circle cx="20" cy="20" r="10" fill="#fff"/>'
    b'<path d="M50 10h60v6H50zM50 24h40v6H50z" fill="#8a1c4a"/></svg>'
)
ORGANISATION = "Sociaal-Economische Raad"
ACCENT = "#8a1c4a"

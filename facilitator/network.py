"""Where phones at a venue can reach this laptop: its LAN addresses, found offline.

No packet is sent: connecting a UDP socket only asks the kernel which local address it
would use for a private destination; the host name's own addresses are the fallback.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

# private destinations to ask the routing table about (nothing is sent to them)
PROBES = ("10.255.255.255", "172.31.255.255", "192.168.255.255")


def _usable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return ip.version == 4 and not (
        ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast
    )


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses that other devices on the network can reach (may be [])."""
    found: list[str] = []
    for probe in PROBES:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                udp.connect((probe, 9))
                found.append(udp.getsockname()[0])
        except OSError:
            continue
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        infos = []
    found += [str(info[4][0]) for info in infos]
    unique: list[str] = []
    for address in found:
        if _usable(address) and address not in unique:
            unique.append(address)
    return unique


def is_local_only(url: str) -> bool:
    """Whether a link's host is this machine only (127.x, ::1, localhost) or no address (0.0.0.0)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def suggested_urls(port: int | str, addresses: list[str] | None = None) -> list[str]:
    """The URLs phones could use: http://<LAN address>:PORT for each address found."""
    return [f"http://{address}:{port}" for address in (lan_addresses() if addresses is None else addresses)]


def venue_lines(config, addresses: list[str] | None = None) -> list[str]:
    """What `make run` says about reaching it from the room (nothing wrong when offline)."""
    public = config["PUBLIC_URL"]
    if not is_local_only(public):
        return [f"Telefoons en laptops in de zaal gebruiken: {public}"]
    urls = suggested_urls(config["PORT"], addresses)
    lines = [f"De links wijzen naar {urlsplit(public).hostname or public}: ze werken alleen op deze laptop."]
    if not urls:
        lines.append("Geen netwerkadres gevonden: deze laptop is nu niet met een netwerk verbonden.")
        return lines
    for url in urls:
        lines.append(f"Voor telefoons in de zaal: HOST=0.0.0.0 PUBLIC_URL={url} make run")
    return lines

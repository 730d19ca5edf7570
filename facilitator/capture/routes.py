"""Pages at the table: the rapporteur's and the participant's (no login, the link's token).

Both pages are server-rendered with the same snapshot the live connection sends,
so they are useful before the socket connects; static/js/*.js take over from there.
The service worker (/sw.js) keeps these pages and their assets for an offline reload.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template

from ..access import token_or_404
from ..live import snapshot
from ..live.protocol import NAMESPACE
from ..rules import LIMITS
from .offline import offline_assets

bp = Blueprint("capture", __name__)


def _page(token: str, role: str, template: str):
    access = token_or_404(token, role)
    meeting = access.meeting
    table = None if access.table_number is None else meeting.table(access.table_number)
    if table is None:  # the table was removed; its links are revoked with it
        abort(404)
    page_data = {
        "token": token,
        "namespace": NAMESPACE,
        "limits": {"entry_text": LIMITS["entry_text"], "name": LIMITS["name"]},
        "serviceWorker": "/sw.js",
        "snapshot": snapshot.snapshot(meeting, role, access.table_number),
    }
    return render_template(
        template,
        meeting=meeting,
        table=table,
        page_data=page_data,
        closed=meeting.phase == "closed",
    )


@bp.get("/verslag/<token>")
def rapporteur(token: str):
    """The rapporteur's page for one table: entries in the bollen, the report, attendance."""
    return _page(token, "rapporteur", "capture/rapporteur.html")


@bp.get("/deelnemer/<token>")
def participant(token: str):
    """The participant's page for one table (on a phone): add entries, see the table's."""
    return _page(token, "participant", "capture/participant.html")


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so that its scope covers the role pages.

    Its cache name carries a hash of the assets it precaches: when any of them
    changes, the browser sees a new worker, which replaces the old cache.
    """
    static = Path(current_app.static_folder)
    source = (static / "js" / "sw.js").read_text(encoding="utf-8")
    env = current_app.jinja_env
    # a file a page needs but that is missing raises here: no worker that cannot install
    files = [static / name for name in offline_assets(static, lambda n: env.loader.get_source(env, n)[0])]
    digest = hashlib.sha256(source.encode())
    for path in files:  # contents, not times: every server process gives the same version
        digest.update(path.read_bytes())
    urls = [f"{current_app.static_url_path}/{p.relative_to(static).as_posix()}" for p in files]
    body = source.replace("__VERSION__", digest.hexdigest()[:16]).replace(
        '["__PRECACHE__"]', json.dumps(urls)
    )
    response = Response(body, mimetype="application/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response

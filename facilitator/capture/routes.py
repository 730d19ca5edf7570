"""Pages at the table: the rapporteur's and the participant's (no login, the link's token)."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..access import token_or_404

bp = Blueprint("capture", __name__)


@bp.get("/verslag/<token>")
def rapporteur(token: str):
    """The rapporteur's page for one table."""
    access = token_or_404(token, "rapporteur")
    meeting = access.meeting
    table = meeting.table(access.table_number)
    return render_template("capture/rapporteur.html", meeting=meeting, table=table, token=token)


@bp.get("/deelnemer/<token>")
def participant(token: str):
    """The participant's page for one table (on a phone)."""
    access = token_or_404(token, "participant")
    meeting = access.meeting
    table = meeting.table(access.table_number)
    return render_template("capture/participant.html", meeting=meeting, table=table, token=token)

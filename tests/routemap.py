"""Every route of the app with its URL filled from a fixture meeting: for the access matrix and the
form fuzzing, so that a new route is covered (or fails the test) without a line added by hand."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from facilitator import operations
from facilitator.extensions import db
from facilitator.models import AccessToken, Operation, ReportVersion, User

METHODS = ("GET", "POST")


@dataclass(frozen=True)
class Route:
    """One (rule, method) of the URL map."""

    endpoint: str
    rule: str
    method: str
    arguments: frozenset[str]

    @property
    def key(self) -> str:
        """How the expectation tables name it: 'METHOD /rule'."""
        return f"{self.method} {self.rule}"


def routes(app) -> list[Route]:
    """Every (rule, method) the app serves, static files and HEAD/OPTIONS aside."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in METHODS:
            if method in (rule.methods or ()):
                out.append(Route(rule.endpoint, rule.rule, method, frozenset(rule.arguments)))
    return sorted(out, key=lambda r: r.key)


def meeting_values(app, slug: str, number: int = 1) -> dict[str, object]:
    """Values for every URL parameter, pointing at real things of the meeting (its table ``number``)."""
    with app.app_context():
        meeting = operations.get_meeting(slug)
        table = meeting.table(number)
        entry = table.live_entries[0]
        seq = (
            db.session.execute(
                select(Operation.seq).where(Operation.meeting_id == meeting.id, Operation.subject == entry.id)
            )
            .scalars()
            .first()
        )
        version = (
            db.session.execute(select(ReportVersion.id).where(ReportVersion.table_id == table.id))
            .scalars()
            .first()
        )
        link = db.session.execute(
            select(AccessToken.id).where(
                AccessToken.meeting_id == meeting.id,
                AccessToken.table_number == number,
                AccessToken.role == "participant",
                AccessToken.revoked_at.is_(None),
            )
        ).scalar_one()
        return {
            "slug": slug,
            "number": number,
            "entry_id": entry.id,
            "seq": seq,
            "version_id": version,
            "token_id": link,  # a working link that never replaced another: its undo is refused
            "role_slug": "deelnemer",
            "job_id": "onbekende-taak",
            "token": "x" * 32,  # a well-formed token no link has
            "sheet": "entries",
            "key": "geen-groep-met-deze-id",  # a group id no group has  # the data for analysis: one CSV per sheet
            "fmt": "md",  # the minutes' downloads name their format in the rule's defaults, not the path
            # an account (the first: an administrator); an empty change form changes nothing
            "user_id": db.session.execute(select(User.id).order_by(User.id)).scalars().first() or 1,
        }


def url(route: Route, values: dict[str, object]) -> str:
    """The route's path with ``values`` filled in (a KeyError names a parameter nobody fills)."""
    missing = route.arguments - set(values)
    if missing:
        raise KeyError(f"{route.key}: no value for {sorted(missing)}")
    path = route.rule
    for name in route.arguments:
        path = path.replace(f"<int:{name}>", str(values[name])).replace(f"<{name}>", str(values[name]))
        path = path.replace(f"<path:{name}>", str(values[name]))
    return path

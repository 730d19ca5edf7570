"""Secretariat pages: meetings, their set-up, links and exports (login required)."""

from __future__ import annotations

from io import BytesIO

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from .. import operations, sessionfile
from ..access import meeting_or_404
from ..audit.trail import record
from ..auth.routes import login_required
from ..extensions import db
from ..i18n import say
from ..live import broadcast
from ..meeting_data import MeetingData, meeting_to_data, rounds_data
from ..models import Meeting
from ..network import is_local_only, suggested_urls
from ..qr import qr_svg
from ..rules import TABLE_ROLES
from ..sessionfile import SessionFileError
from .forms import ButtonForm, ImportForm, MeetingForm
from .links import SLUG_ROLES, link_rows

bp = Blueprint("secretariat", __name__, url_prefix="/secretariaat")


@bp.after_request
def no_store(response: Response) -> Response:
    """Secretariat pages show join links and tokens: keep them out of every cache."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _public_url() -> str:
    return current_app.config["PUBLIC_URL"]


@bp.get("/")
@login_required
def meetings():
    """All meetings, newest first."""
    rows = (
        db.session.execute(select(Meeting).order_by(Meeting.date.desc(), Meeting.id.desc())).scalars().all()
    )
    return render_template("secretariat/meetings.html", meetings=rows)


@bp.get("/vergaderingen/<slug>")
@login_required
def meeting(slug: str):
    """One meeting's overview, with what the secretariat can do with it."""
    return render_template("secretariat/meeting.html", meeting=meeting_or_404(slug))


def _validated(form: MeetingForm) -> MeetingData | None:
    """The form's meeting checked by the session-file validator; None with the errors on the form."""
    doc, unreadable = form.to_document()
    try:
        data = sessionfile.validate(doc)
    except SessionFileError as exc:
        form.show_problems(exc.problems, skip=unreadable)
        return None
    # a field the form could not read was left out of the document, so it cannot be saved
    return None if unreadable else data


@bp.route("/vergaderingen/nieuw", methods=["GET", "POST"])
@login_required
def new_meeting():
    """Set a meeting up by form; saved like an imported session file."""
    form = MeetingForm() if _is_post() else MeetingForm(data=MeetingForm.initial_for_new())
    status = 200
    if form.validate_on_submit():
        if form.add_table.data:
            form.add_table_row()
        else:
            data = _validated(form)
            if data is not None:
                meeting = operations.import_meeting(data)
                record("meeting_created", meeting, tables=len(meeting.tables))
                flash(_("Vergadering „%(title)s” aangemaakt.", title=meeting.title), "success")
                return redirect(url_for(".meeting", slug=meeting.slug))
            status = 400
    elif _is_post():
        status = 400
    return render_template("secretariat/meeting_form.html", form=form, meeting=None), status


@bp.route("/vergaderingen/<slug>/bewerken", methods=["GET", "POST"])
@login_required
def edit_meeting(slug: str):
    """Change a meeting's definition; entries, reports and feedback stay as they are."""
    meeting = meeting_or_404(slug)
    form = MeetingForm() if _is_post() else MeetingForm(data=MeetingForm.initial_for(meeting))
    status = 200
    if form.validate_on_submit():
        if form.add_table.data:
            form.add_table_row()
        else:
            data = _validated(form)
            if data is not None and _refuse_losing_content(form, meeting, data):
                data = None
            if data is not None:
                _keep_content(meeting, data)
                operations.update_meeting(meeting, data)
                record("meeting_edited", meeting, tables=len(meeting.tables))
                broadcast.refresh(meeting.id, "meeting-edited")
                flash(_("Wijzigingen opgeslagen."), "success")
                return redirect(url_for(".meeting", slug=meeting.slug))
            status = 400
    elif _is_post():
        status = 400
    return render_template("secretariat/meeting_form.html", form=form, meeting=meeting), status


def _refuse_losing_content(form: MeetingForm, meeting: Meeting, data: MeetingData) -> bool:
    """Put an error on the form for every change that would lose what was typed; True if any."""
    keep = {t.number for t in data.tables}
    blocked = set(operations.blocking_removals(meeting, data))
    # the plenary feedback is content too, although blocking_removals does not count it
    blocked.update(t.number for t in meeting.tables if t.number not in keep and (t.feedback or "").strip())
    for number in sorted(blocked):
        message = _(
            "Tafel %(number)s heeft al inbreng, een verslag of een terugkoppeling. "
            "Die tafel kan niet worden verwijderd of een ander nummer krijgen.",
            number=number,
        )
        row = form.row_for_table(number)
        if row is not None and row.remove.data:
            row.remove.errors = [*row.remove.errors, message]
        elif row is not None and not row.is_blank():
            row.number.errors = [*row.number.errors, message]
        else:
            form.form_errors.append(message)
    bol_keys = {b.key for b in meeting.bollen}
    for key in operations.template_keys_in_use(meeting, data):
        field = form.bollen if key in bol_keys else form.horizons
        field.errors = [
            *field.errors,
            _(
                "De sleutel „%(key)s” wordt gebruikt door inbreng en kan niet weg; "
                "u kunt wel het label veranderen.",
                key=key,
            ),
        ]
    return bool(blocked) or bool(form.bollen.errors) or bool(form.horizons.errors)


def _keep_content(meeting: Meeting, data: MeetingData) -> None:
    """The form does not carry reports, feedback or rounds: keep what the meeting has now."""
    data.rounds = rounds_data(meeting)
    for tdata in data.tables:
        table = meeting.table(tdata.number)
        if table is not None:
            tdata.report = table.report or ""
            tdata.feedback = table.feedback or ""


def _is_post() -> bool:
    return request.method == "POST"


@bp.route("/importeren", methods=["GET", "POST"])
@login_required
def import_session():
    """Upload a session file; every problem is shown and nothing is written when there is one."""
    form = ImportForm()
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            data = sessionfile.loads(raw)
        except SessionFileError as exc:
            problems = exc.problems
            status = 400
        else:
            meeting = operations.import_meeting(data)
            record(
                "meeting_imported",
                meeting,
                file=(form.file.data.filename or "")[:120],
                tables=len(meeting.tables),
            )
            flash(_("Sessiebestand geïmporteerd als „%(title)s”.", title=meeting.title), "success")
            return redirect(url_for(".meeting", slug=meeting.slug))
    elif _is_post():
        status = 400
    return render_template("secretariat/import.html", form=form, problems=problems), status


@bp.get("/vergaderingen/<slug>/sessiebestand.toml")
@login_required
def export_session(slug: str):
    """The meeting with everything typed so far, as a session file to download."""
    meeting = meeting_or_404(slug)
    text = sessionfile.dumps(meeting_to_data(meeting))
    record("session_exported", meeting)
    return send_file(
        BytesIO(text.encode("utf-8")),
        mimetype="application/toml",
        as_attachment=True,
        download_name=f"{meeting.slug}.toml",
    )


@bp.get("/vergaderingen/<slug>/links")
@login_required
def links(slug: str):
    """Every join link with its QR code, to hand out, copy or renew."""
    meeting = meeting_or_404(slug)
    among = operations.active_tokens(meeting)
    rows = link_rows(meeting, _public_url(), among)
    for row in rows:
        row["qr"] = qr_svg(row["url"], _("QR-code: %(name)s", name=row["name"]))
        token = operations.active_token(meeting, row["role"], row["table"], among)
        deadline = operations.undo_deadline(token)
        # the server runs in the room: its local clock is the one people read
        row["undo"] = (token.id, deadline.astimezone().strftime("%H:%M")) if deadline else None
    public = _public_url()
    return render_template(
        "secretariat/links.html",
        meeting=meeting,
        rows=rows,
        form=ButtonForm(),
        public_url=public,
        local_only=is_local_only(public),
        suggestions=suggested_urls(current_app.config["PORT"]) if is_local_only(public) else [],
    )


@bp.get("/vergaderingen/<slug>/links.json")
@login_required
def links_json(slug: str):
    """The links JSON, as `session links` prints it."""
    meeting = meeting_or_404(slug)
    links = operations.links(meeting, _public_url())
    record("links_exported", meeting)
    return links


def _link_row(meeting: Meeting, role: str, number: int | None) -> dict:
    return next(r for r in link_rows(meeting, _public_url()) if r["role"] == role and r["table"] == number)


@bp.get("/vergaderingen/<slug>/links/<role_slug>/vernieuwen")
@bp.get("/vergaderingen/<slug>/links/<role_slug>/<int:number>/vernieuwen")
@login_required
def confirm_rotate_link(slug: str, role_slug: str, number: int | None = None):
    """Ask before replacing a link: the old link and its printed QR codes stop working."""
    meeting = meeting_or_404(slug)
    role = SLUG_ROLES.get(role_slug)
    if role is None or (number is None) != (role not in TABLE_ROLES):
        abort(404)
    try:
        row = _link_row(meeting, role, number)
    except StopIteration:
        abort(404)
    return render_template("secretariat/rotate_confirm.html", meeting=meeting, row=row, form=ButtonForm())


@bp.post("/vergaderingen/<slug>/links/<role_slug>/vernieuwen")
@bp.post("/vergaderingen/<slug>/links/<role_slug>/<int:number>/vernieuwen")
@login_required
def rotate_link(slug: str, role_slug: str, number: int | None = None):
    """Replace a link by a new one (confirmed on the page above); the old link stops working at once."""
    meeting = meeting_or_404(slug)
    role = SLUG_ROLES.get(role_slug)
    if role is None or not ButtonForm().validate_on_submit():
        abort(404 if role is None else 400)
    try:
        fresh = operations.rotate_token(meeting, role, number)
    except LookupError:
        abort(404)
    row = _link_row(meeting, role, number)  # before the disconnects, which may end this DB session
    record("link_rotated", meeting, role=role, table=number)
    broadcast.revoke_connections(meeting.id, role, fresh.table_number)
    flash(
        _(
            "Nieuwe link gemaakt voor %(name)s. De oude link werkt niet meer. "
            "U kunt dit binnen 10 minuten ongedaan maken, zolang niemand de nieuwe link heeft geopend.",
            name=row["name"],
        ),
        "success",
    )
    return redirect(url_for(".links", slug=slug, _anchor=row["id"]))


@bp.post("/vergaderingen/<slug>/links/ongedaan/<int:token_id>")
@login_required
def undo_rotate_link(slug: str, token_id: int):
    """Give the replaced link back and stop the new one, if that is still safe (see operations)."""
    meeting = meeting_or_404(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        restored = operations.undo_rotation(meeting, token_id)
    except LookupError:
        abort(404)
    except ValueError:
        flash(
            _(
                "De nieuwe link kan niet meer ongedaan worden gemaakt: de 10 minuten zijn voorbij, "
                "de nieuwe link is al geopend, of er is intussen nog een nieuwe link gemaakt."
            ),
            "error",
        )
        return redirect(url_for(".links", slug=meeting.slug))
    row = _link_row(meeting, restored.role, restored.table_number)
    record("link_restored", meeting, role=restored.role, table=restored.table_number)
    # the new link's open pages (if any connected without opening the page) go at once
    broadcast.revoke_connections(meeting.id, restored.role, restored.table_number)
    flash(
        _("De oude link voor %(name)s werkt weer; de nieuwe link werkt niet meer.", name=row["name"]),
        "success",
    )
    return redirect(url_for(".links", slug=slug, _anchor=row["id"]))


@bp.get("/vergaderingen/<slug>/tafelkaarten.pdf")
@login_required
def table_cards(slug: str):
    """Printable table cards (PDF): per table its number and the QR code of the participants' link."""
    return _cards(slug, "table", _("De tafelkaarten konden niet worden gemaakt: %(reason)s"), "tafelkaarten")


@bp.get("/vergaderingen/<slug>/verslagkaarten.pdf")
@login_required
def rapporteur_cards(slug: str):
    """Per table a card for its rapporteur only (the link that edits the report), printed apart."""
    return _cards(
        slug, "rapporteur", _("De verslagkaarten konden niet worden gemaakt: %(reason)s"), "verslagkaarten"
    )


def _cards(slug: str, kind: str, failed: str, name: str):
    """The cards of one kind as a PDF download, rendered in the render child, not here."""
    from ..export.child import RenderError
    from .cards import card_data, render_cards_pdf

    meeting = meeting_or_404(slug)
    if not meeting.tables:
        flash(_("Deze vergadering heeft nog geen tafels, dus ook geen tafelkaarten."), "error")
        return redirect(url_for(".meeting", slug=meeting.slug))
    try:
        pdf = render_cards_pdf(card_data(meeting, _public_url()), kind=kind)
    except RenderError as exc:
        flash(failed % {"reason": say(exc.msgid, exc.params)}, "error")
        return redirect(url_for(".meeting", slug=meeting.slug))
    record("cards_downloaded", meeting, kind=kind)
    download = f"{name}-{meeting.slug}.pdf"
    return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=download)

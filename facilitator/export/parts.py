"""A large annex rendered in parts, side by side, and joined into one PDF (in the render child).

WeasyPrint lays out and writes a document in one thread; a 100-table annex keeps one core busy
for about 11 s. Every table starts a page, so the annex splits at its tables into documents
whose pages are the whole document's pages (``html.annex_documents``). The render child forks
one helper per later part (WeasyPrint is already imported and warm), and each process lays out
its own part. Two things cross the parts:

- the page numbers ("pagina 103 van 202"): when a part's pages are laid out and before its page
  margins are, its process tells the first its page count and waits for its offset and the
  total (``numbering``, around WeasyPrint's ``make_margin_boxes``);
- the PDF: each part writes a complete PDF/A + PDF/UA file; the first process joins them
  (``join``, with pikepdf): the pages, the structure tree under one ``Document``, its parent
  tree with the later parts' keys moved past the first's, the outline (a later part's
  headings under the annex's title, as in the whole document) and the named destinations.

A helper dies with the render child (``PR_SET_PDEATHSIG``), so the deadline that kills the
child kills its helpers too; a helper that fails fails the render with its reason.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import sys
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import IO, Any

# at least this many tables per part: below it a part's own fixed cost (the fork, its
# stylesheet and fonts, a file to join) outweighs what it saves (docs/performance.md: two
# parts took 0.92× the time of one for 6 tables, 0.68× for 12, 0.72× for 24)
MIN_TABLES = 6

# "FACILITATOR_RENDER_PARTS=1" renders every annex in one process; a number caps the parts
SETTING = "FACILITATOR_RENDER_PARTS"

Render = Callable[[str, Path], dict[str, Any]]  # one document's HTML → its PDF; {"pages", "refused"}


def planned(tables: int, env: Mapping[str, str] = os.environ) -> int:
    """How many parts an annex of ``tables`` tables is rendered in: one per core this process
    may use, each of at least MIN_TABLES tables, at most what FACILITATOR_RENDER_PARTS says."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    setting = env.get(SETTING, "").strip()
    if setting.isdigit() and int(setting) > 0:
        cores = min(cores, int(setting))
    return max(1, min(cores, tables // MIN_TABLES))


# ---------------------------------------------------------------------------------------------
# The page numbers


@contextlib.contextmanager
def numbering(exchange: Callable[[int], tuple[int, int]]) -> Iterator[None]:
    """While a part renders, its page margins count from the part's offset to the annex's total.

    WeasyPrint lays out every page's content first and the margin boxes after; at the first
    margin box the part's page count is known: ``exchange(count)`` returns (offset, total).
    """
    from weasyprint import layout

    original = layout.make_margin_boxes
    agreed: list[tuple[int, int]] = []

    def make_margin_boxes(context, page, state):  # noqa: ANN001, ANN202 - WeasyPrint's own signature
        if not agreed:
            agreed.append(exchange(len(context.page_maker) - 1))
        offset, total = agreed[0]
        quote_depth, counters, scopes, groups = state
        counters = {**counters, "page": [counters["page"][-1] + offset], "pages": [total]}
        return original(context, page, (quote_depth, counters, scopes, groups))

    layout.make_margin_boxes = make_margin_boxes
    try:
        yield
    finally:
        layout.make_margin_boxes = original


# ---------------------------------------------------------------------------------------------
# The processes


@dataclass
class _Helper:
    pid: int
    up: IO[bytes]  # what the helper says: "pages N", then its result or its error (JSON)
    down: IO[bytes]  # what the first process says: "OFFSET TOTAL"
    path: Path

    def said(self) -> dict[str, Any]:
        line = self.up.readline()
        if not line:
            raise RuntimeError("a part's process ended without a word")
        message = json.loads(line)
        if message.get("error") == "memory":
            raise MemoryError
        if "error" in message:
            raise RuntimeError(message["error"])
        return message


def render(documents: list[str], out: Path, render_one: Render) -> dict[str, Any]:
    """Render the parts side by side (this process the first) and join them into ``out``."""
    if len(documents) == 1:
        return render_one(documents[0], out)
    paths = [_private(out.with_name(f"{out.name}.part{index}")) for index in range(len(documents))]
    helpers: list[_Helper] = []
    try:
        for document, path in zip(documents[1:], paths[1:], strict=True):
            helpers.append(_fork(document, path, render_one, helpers))

        def exchange(own: int) -> tuple[int, int]:
            counts = [own] + [int(h.said()["pages"]) for h in helpers]
            offset = own
            for helper, count in zip(helpers, counts[1:], strict=True):
                helper.down.write(f"{offset} {sum(counts)}\n".encode())
                helper.down.flush()
                offset += count
            return 0, sum(counts)

        with numbering(exchange):
            result = render_one(documents[0], paths[0])
        refused = list(result.get("refused", []))
        for helper in helpers:
            refused += helper.said()["refused"]
        _reap(helpers)
        pages = join(paths, out)
        return {**result, "pages": pages, "refused": refused, "parts": len(documents)}
    finally:
        _reap(helpers, kill=True)
        for path in paths:
            path.unlink(missing_ok=True)


def _private(path: Path) -> Path:
    """An empty file only its owner may read (WeasyPrint's writer keeps the mode), as the annex."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    return path


def _fork(document: str, path: Path, render_one: Render, earlier: list[_Helper]) -> _Helper:
    up_read, up_write = os.pipe()
    down_read, down_write = os.pipe()
    sys.stderr.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the helper: render its part, say how it went, and end without cleaning up
        try:
            _die_with(parent)
            os.close(up_read)
            os.close(down_write)
            for helper in earlier:
                helper.up.close()
                helper.down.close()
            _helper(document, path, render_one, os.fdopen(up_write, "wb"), os.fdopen(down_read, "rb"))
        finally:
            os._exit(1)  # never back into the render child's own code (_helper ends with its code)
    os.close(up_write)
    os.close(down_read)
    return _Helper(pid, os.fdopen(up_read, "rb"), os.fdopen(down_write, "wb"), path)


def _helper(document: str, path: Path, render_one: Render, up: IO[bytes], down: IO[bytes]) -> None:
    code = 1
    try:
        from weasyprint.logger import PROGRESS_LOGGER

        PROGRESS_LOGGER.handlers.clear()  # the first process reports the progress

        def exchange(count: int) -> tuple[int, int]:
            _tell(up, pages=count)
            line = down.readline()
            if not line:
                raise RuntimeError("the first part's process ended")
            offset, total = (int(n) for n in line.split())
            return offset, total

        with numbering(exchange):
            result = render_one(document, path)
        _tell(up, refused=result.get("refused", []))
        code = 0
    except MemoryError:
        _tell(up, error="memory")
    except BaseException as exc:  # noqa: BLE001 - whatever it was, the first process says it
        _tell(up, error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        os._exit(code)


def _tell(up: IO[bytes], **message: Any) -> None:
    with contextlib.suppress(OSError):
        up.write(json.dumps(message).encode() + b"\n")
        up.flush()


def _die_with(parent: int) -> None:
    """The kernel kills this helper when the render child ends (its deadline, its memory)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the child ended before the line above
        os._exit(1)


def _reap(helpers: list[_Helper], kill: bool = False) -> None:
    """Wait for each helper (killed first with ``kill``) and forget it, so that its process id,
    once reaped and free for the system to give again, is never signalled."""
    while helpers:
        helper = helpers.pop(0)
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(helper.pid, signal.SIGKILL)
        for pipe in (helper.up, helper.down):
            with contextlib.suppress(OSError):
                pipe.close()
        with contextlib.suppress(ChildProcessError):
            _, status = os.waitpid(helper.pid, 0)
            if not kill and os.waitstatus_to_exitcode(status) != 0:
                raise RuntimeError(f"a part's process ended with {os.waitstatus_to_exitcode(status)}")


# ---------------------------------------------------------------------------------------------
# Joining the parts' PDFs


def join(paths: list[Path], out: Path) -> int:
    """The parts' PDFs as one, the first part's catalogue (metadata, output intent, language)
    kept; returns the page count."""
    import pikepdf

    # every part stays open until the join is saved: their objects are copied lazily
    with contextlib.ExitStack() as opened:
        pdf = opened.enter_context(pikepdf.open(paths[0]))
        tree = pdf.Root.StructTreeRoot
        document = tree.K[0] if isinstance(tree.K, pikepdf.Array) else tree.K
        nums = tree.ParentTree.Nums
        dests = list(_dests(pdf))
        later: list[tuple[pikepdf.Object, list[Any]]] = []
        for path in paths[1:]:
            part = opened.enter_context(pikepdf.open(path))
            shift = max(int(nums[i]) for i in range(0, len(nums), 2)) + 1
            first_page = len(pdf.pages)
            for page in part.pages:
                pdf.pages.append(page)  # pages first: the copies below then refer to these
            for page in pdf.pages[first_page:]:
                _shift_keys(page, shift)
            part_tree = part.Root.StructTreeRoot
            part_document = part_tree.K[0] if isinstance(part_tree.K, pikepdf.Array) else part_tree.K
            outline = _outline(part)
            flat = [dest for _, dest, _, _ in _walk(outline)]
            holder = part.make_indirect(
                pikepdf.Array([part_document.K, part_tree.ParentTree.Nums, _dests(part), pikepdf.Array(flat)])
            )
            kids, part_nums, part_dests, copied = pdf.copy_foreign(holder)
            for kid in kids:
                kid.P = document
                document.K.append(kid)
            for i in range(0, len(part_nums), 2):
                nums.append(int(part_nums[i]) + shift)
                nums.append(part_nums[i + 1])
            dests += list(part_dests)
            later.append((copied, outline))
        _set_dests(pdf, dests)
        _join_outlines(pdf, later)
        plain = BytesIO()
        pdf.save(
            plain,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
            compress_streams=False,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,  # the parts' streams as written
        )
        pages = len(pdf.pages)
    out.write_bytes(compact(plain.getvalue()))
    return pages


def compact(plain: bytes) -> bytes:
    """qpdf's plain file (objects 1…N, only the reachable ones, a classic cross-reference table)
    written again as pydyf writes an annex: the objects that are not streams in one compressed
    object stream, a cross-reference stream, and a stream whose data ends in CR ended by CR LF
    (``archival.end_stream_unambiguously``; qpdf ends every stream with LF alone, which makes that
    last CR read as part of the end-of-line marker).
    """
    import pikepdf

    from .archival import end_stream_unambiguously

    out = bytearray(b"%PDF-1.7\n%\xf0\x9f\x96\xa4\n")
    offsets: dict[int, int] = {}
    packed: list[tuple[int, bytes]] = []
    with pikepdf.open(BytesIO(plain)) as pdf:
        size = int(pdf.trailer.Size)
        for number in range(1, size):
            obj = pdf.get_object(number, 0)
            if isinstance(obj, pikepdf.Stream):
                offsets[number] = len(out)
                head = obj.stream_dict.unparse(resolved=True)
                data = head + b"\nstream\n" + obj.read_raw_bytes() + b"\nendstream"
                out += f"{number} 0 obj\n".encode() + end_stream_unambiguously(data) + b"\nendobj\n"
            else:
                packed.append((number, obj.unparse(resolved=True)))
        trailer = b"/Root " + pdf.trailer.Root.unparse() + b" /ID " + pdf.trailer.ID.unparse(resolved=True)
        if "/Info" in pdf.trailer:
            trailer += b" /Info " + pdf.trailer.Info.unparse()
    # the object stream
    index, body, position = [], [], 0
    for number, data in packed:
        index.append(f"{number} {position}")
        body.append(data)
        position += len(data) + 1
    head = " ".join(index).encode() + b"\n"
    stream = zlib.compress(head + b"\n".join(body))
    objstm, xref = size, size + 1
    offsets[objstm] = len(out)
    out += _stream(objstm, f"/Type /ObjStm /N {len(packed)} /First {len(head)}".encode(), stream)
    # the cross-reference stream
    offsets[xref] = len(out)
    width = max(1, (len(out).bit_length() + 7) // 8)
    rows = [(0, 0, 65535)]
    slot = {number: i for i, (number, _) in enumerate(packed)}
    for number in range(1, xref + 1):
        rows.append((2, objstm, slot[number]) if number in slot else (1, offsets[number], 0))
    third = max(2, (len(packed).bit_length() + 7) // 8)
    table = b"".join(
        kind.to_bytes(1, "big") + where.to_bytes(width, "big") + which.to_bytes(third, "big")
        for kind, where, which in rows
    )
    entries = f"/Type /XRef /Size {xref + 1} /W [1 {width} {third}] ".encode() + trailer
    out += _stream(xref, entries, zlib.compress(table))
    out += f"startxref\n{offsets[xref]}\n%%EOF\n".encode()
    return bytes(out)


def _stream(number: int, entries: bytes, compressed: bytes) -> bytes:
    from .archival import end_stream_unambiguously

    data = b"<< " + entries + f" /Filter /FlateDecode /Length {len(compressed)} >>\nstream\n".encode()
    whole = end_stream_unambiguously(data + compressed + b"\nendstream")
    return f"{number} 0 obj\n".encode() + whole + b"\nendobj\n"


def _shift_keys(page: Any, shift: int) -> None:
    """A later part's page and its annotations point into the parent tree past the first's keys."""
    if "/StructParents" in page.obj:
        page.obj.StructParents = int(page.obj.StructParents) + shift
    for annotation in page.obj.get("/Annots", []):
        if "/StructParent" in annotation:
            annotation.StructParent = int(annotation.StructParent) + shift


def _dests(pdf: Any) -> Any:
    import pikepdf

    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return pikepdf.Array()
    return names.Dests.get("/Names", pikepdf.Array())


def _set_dests(pdf: Any, flat: list[Any]) -> None:
    """The named destinations (the sections' ids) in one sorted list, as a name tree wants."""
    import pikepdf

    if not flat:
        return
    pairs = sorted(zip(flat[::2], flat[1::2], strict=True), key=lambda pair: bytes(pair[0]))
    if "/Names" not in pdf.Root:
        pdf.Root.Names = pikepdf.Dictionary()
    flat_sorted = pikepdf.Array([value for pair in pairs for value in pair])
    pdf.Root.Names.Dests = pdf.make_indirect(pikepdf.Dictionary(Names=flat_sorted))


def _outline(part: Any) -> list[Any]:
    """A part's outline as (title, destination, closed, children), read before its pages' copies."""
    with part.open_outline() as outline:
        return [_item(item) for item in outline.root]


def _item(item: Any) -> tuple[str, Any, bool, list[Any]]:
    return (str(item.title), item.destination, bool(item.is_closed), [_item(c) for c in item.children])


def _walk(items: list[Any]) -> Iterator[tuple[str, Any, bool, list[Any]]]:
    for item in items:
        yield item
        yield from _walk(item[3])


def _join_outlines(pdf: Any, later: list[tuple[Any, list[Any]]]) -> None:
    """A later part's top headings go under the first part's last top one (the annex's title), as
    WeasyPrint nests a heading under the last one of a higher level."""
    with pdf.open_outline() as outline:
        for copied, items in later:
            parent = outline.root[-1].children if outline.root else outline.root
            destinations = iter(copied)
            parent.extend(_rebuilt(item, destinations) for item in items)


def _rebuilt(item: tuple[str, Any, bool, list[Any]], destinations: Iterator[Any]) -> Any:
    """An outline item again, its destination (and its children's, in order) the copied ones."""
    from pikepdf import OutlineItem

    title, _, closed, children = item
    made = OutlineItem(title, destination=next(destinations))
    made.is_closed = closed
    made.children.extend(_rebuilt(child, destinations) for child in children)
    return made

// Pages for what does not fit on the screen: a long report, a long list of entries.
//
// A paged box (.paged in screen.css) flows its content into columns exactly as high as the
// box (column-fill: auto); the columns that do not fit lie to its right, out of sight, and
// page n is shown by scrolling the box there. Text keeps its size and nothing is cut: a
// long report gets more pages, and the chair's keys (PageDown/PageUp, the arrow keys, the
// clicker) page through them before they step to the next table.

function columnGap(box) {
  const gap = Number.parseFloat(getComputedStyle(box).columnGap);
  return Number.isFinite(gap) ? gap : 0;
}

/** How many pages a paged box has (1 when everything fits, or when it is not on screen). */
export function pageCount(box) {
  if (!box || !box.clientWidth) return 1;
  const gap = columnGap(box);
  return Math.max(1, Math.round((box.scrollWidth + gap) / (box.clientWidth + gap)));
}

/** Show page `page` (0-based, kept within range) of a paged box: {page, pages}. */
export function showPage(box, page) {
  const pages = pageCount(box);
  const at = Math.min(Math.max(0, page), pages - 1);
  if (box) box.scrollLeft = at * (box.clientWidth + columnGap(box));
  return { page: at, pages };
}

/**
 * The "2/3" under a paged box (hidden when there is one page). The words "Pagina 2 van 3"
 * are for screen readers; the room reads the numbers.
 */
export function pageIndicator(el, { page, pages }, strings) {
  if (!el) return;
  el.hidden = pages <= 1;
  el.dataset.page = String(page + 1);
  el.dataset.pages = String(pages);
  const said = document.createElement("span");
  said.className = "visually-hidden";
  said.textContent = `${strings.page} `;
  const shown = document.createElement("span");
  shown.textContent = `${page + 1}/${pages}`;
  const more = document.createElement("span");
  more.className = "page-more";
  more.setAttribute("aria-hidden", "true");
  more.textContent = page + 1 < pages ? " ▸" : "";
  el.replaceChildren(said, shown, more);
}

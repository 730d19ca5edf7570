// The report's Markdown subset, rendered as DOM nodes (never as an HTML string, so any
// markup a person types is shown as text): paragraphs, "- " and "1." lists, **bold**, *italic*.
// Links and images become text, "label (URL)": nothing is fetched or clickable, and the reader
// still has the address; facilitator/export/richtext.py does the same in the annex.

const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;

/** Parse into blocks: {type: "p", text} | {type: "ul"|"ol", start, items: [text]}. */
export function parseBlocks(source) {
  const lines = String(source || "").replace(/\r\n?/g, "\n").split("\n");
  const blocks = [];
  let para = null;
  let list = null;
  let blank = false;
  for (const line of lines) {
    const bullet = line.match(BULLET);
    const numbered = bullet ? null : line.match(NUMBERED);
    if (!line.trim()) {
      para = null;
      blank = true;
      continue;
    }
    if (bullet || numbered) {
      const type = bullet ? "ul" : "ol";
      const text = bullet ? bullet[1] : numbered[2];
      // a list goes on across blank lines as long as the items are of the same kind
      if (!list || list.type !== type) {
        list = { type, start: numbered ? Number(numbered[1]) : 1, items: [] };
        blocks.push(list);
      }
      list.items.push(text);
      para = null;
      blank = false;
      continue;
    }
    if (list && !blank) {
      // a line right after an item continues that item
      list.items[list.items.length - 1] += `\n${line.trim()}`;
      continue;
    }
    list = null;
    if (para) {
      para.text += `\n${line.trim()}`;
    } else {
      para = { type: "p", text: line.trim() };
      blocks.push(para);
    }
    blank = false;
  }
  return blocks;
}

const SPACE = /\s/;

/**
 * For each position k of text: the first j >= k where a **bold** run may end (a non-space
 * followed by "**"), and where an *italic* run may end (neither space nor "*", followed by
 * "*"); -1 when there is none. One pass from the end, so finding every run's end is linear.
 */
function closers(text) {
  const n = text.length;
  const bold = new Int32Array(n + 1).fill(-1);
  const italic = new Int32Array(n + 1).fill(-1);
  let nextBold = -1;
  let nextItalic = -1;
  for (let j = n - 1; j >= 0; j -= 1) {
    const char = text[j];
    if (text[j + 1] === "*" && !SPACE.test(char)) {
      if (text[j + 2] === "*") nextBold = j;
      if (char !== "*") nextItalic = j;
    }
    bold[j] = nextBold;
    italic[j] = nextItalic;
  }
  return { bold, italic };
}

/**
 * Append text with **bold** and *italic* to an element, as text nodes and <strong>/<em>.
 *
 * The same runs as the regular expression
 * /\*\*(?=\S)([\s\S]*?\S)\*\*|\*(?=[^\s*])([\s\S]*?[^\s*])\*\/g, found in linear time:
 * that expression looked for a closing marker again from every opening one, which took
 * seconds on a long report with many lone asterisks.
 */
export function appendInline(parent, text, doc = document) {
  const n = text.length;
  let table = null;
  let last = 0;
  let i = text.indexOf("*");
  while (i >= 0 && i < n) {
    table ??= closers(text);
    let start = -1;
    let end = -1;
    let tag = "";
    // **bold**: "**", a non-space, then up to the first non-space followed by "**"
    if (text[i + 1] === "*" && i + 2 < n && !SPACE.test(text[i + 2]) && table.bold[i + 2] >= 0) {
      start = i + 2;
      end = table.bold[i + 2] + 1;
      tag = "strong";
    } else if (i + 1 < n && text[i + 1] !== "*" && !SPACE.test(text[i + 1]) && table.italic[i + 1] >= 0) {
      // *italic*: "*", neither space nor "*", then up to the first such character before "*"
      start = i + 1;
      end = table.italic[i + 1] + 1;
      tag = "em";
    }
    if (tag === "") {
      i = text.indexOf("*", i + 1);
      continue;
    }
    if (i > last) parent.append(doc.createTextNode(text.slice(last, i)));
    const element = doc.createElement(tag);
    // a run holds no run of its own kind, so this nests two levels at most
    appendInline(element, text.slice(start, end), doc);
    parent.append(element);
    last = end + (tag === "strong" ? 2 : 1);
    i = text.indexOf("*", last);
  }
  if (last < n) parent.append(doc.createTextNode(text.slice(last)));
}

const LINK = /(!?)\[([^\]\n]*)\]\(\s*<?([^\s()<>]+)>?(?:\s+(?:"[^"\n]*"|'[^'\n]*'))?\s*\)/g;
const BAD_PROTOCOL = /^(javascript|vbscript|file|data):/i;

/** "[label](URL)" and "![alt](URL)" as the text "label (URL)" (or the URL alone). */
export function linksAsText(text) {
  return text.replace(LINK, (all, image, label, url) => {
    if (BAD_PROTOCOL.test(url)) return all;
    const shown = label.trim();
    return !shown || shown === url ? url : `${shown} (${url})`;
  });
}

/** The Markdown subset as a DocumentFragment. */
export function renderMarkdown(source, doc = document) {
  const fragment = doc.createDocumentFragment();
  for (const block of parseBlocks(source)) {
    if (block.type === "p") {
      const p = doc.createElement("p");
      appendInline(p, linksAsText(block.text), doc);
      fragment.append(p);
    } else {
      const list = doc.createElement(block.type);
      if (block.type === "ol" && block.start !== 1) list.start = block.start;
      for (const item of block.items) {
        const li = doc.createElement("li");
        appendInline(li, linksAsText(item), doc);
        list.append(li);
      }
      fragment.append(list);
    }
  }
  return fragment;
}

// The report renderer as it was before it was made linear (issue 10), kept verbatim below this
// comment to show that tests/e2e/test_markdown_e2e.py's timing test does catch a quadratic renderer.
// The report's Markdown subset, rendered as DOM nodes (never as an HTML string, so any
// markup a person types is shown as text): paragraphs, "- " and "1." lists, **bold**, *italic*.

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

const INLINE = /\*\*(?=\S)([\s\S]*?\S)\*\*|\*(?=[^\s*])([\s\S]*?[^\s*])\*/g;

/** Append text with **bold** and *italic* to an element, as text nodes and <strong>/<em>. */
export function appendInline(parent, text, doc = document) {
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) parent.append(doc.createTextNode(text.slice(last, match.index)));
    const element = doc.createElement(match[1] !== undefined ? "strong" : "em");
    appendInline(element, match[1] !== undefined ? match[1] : match[2], doc);
    parent.append(element);
    last = match.index + match[0].length;
  }
  if (last < text.length) parent.append(doc.createTextNode(text.slice(last)));
}

/** The Markdown subset as a DocumentFragment. */
export function renderMarkdown(source, doc = document) {
  const fragment = doc.createDocumentFragment();
  for (const block of parseBlocks(source)) {
    if (block.type === "p") {
      const p = doc.createElement("p");
      appendInline(p, block.text, doc);
      fragment.append(p);
    } else {
      const list = doc.createElement(block.type);
      if (block.type === "ol" && block.start !== 1) list.start = block.start;
      for (const item of block.items) {
        const li = doc.createElement("li");
        appendInline(li, item, doc);
        list.append(li);
      }
      fragment.append(list);
    }
  }
  return fragment;
}

// A report's Markdown, rendered as DOM nodes (never as an HTML string, so any markup a person
// types is shown as text): the one grammar of the preview, the screen and the annex
// (facilitator/markdown_grammar.py, generated into markdown-grammar.js). It parses with
// markdown-it — the JavaScript original of the annex's markdown-it-py, the same version — set
// up alike, and builds the same blocks as facilitator/export/richtext.py's parse(): paragraphs,
// headings (two levels), bullet and numbered lists (nested), block quotes, rules, line breaks,
// **bold** and *italic*. Links and images become text, "label (URL)": nothing is fetched or
// clickable, and the reader still has the address. tests/fixtures/markdown/ holds the cases
// both renderers must draw alike.

import MarkdownIt from "../vendor/markdown-it.js";
import {
  ANNEX_HEADING_TAG, ENABLED_RULES, HEADING_LEVELS, OPTIONS, PUNCTUATION, REFUSED_ADDRESS, STRENGTH, TRIM,
} from "./markdown-grammar.js";

/** Runs "<start in base 36, after the previous><class>"… as sorted starts and their classes. */
function decodeRuns(encoded) {
  const starts = [];
  const kinds = [];
  let start = 0;
  for (const [, delta, kind] of encoded.matchAll(/([0-9a-z]+)([A-Z])/g)) {
    start += Number.parseInt(delta, 36);
    starts.push(start);
    kinds.push(kind);
  }
  return { starts, kinds };
}

/** A code point's class in decoded runs ("N" before the first run). */
function classOf(runs, code) {
  let low = 0;
  let high = runs.starts.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (runs.starts[middle] <= code) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found < 0 ? "N" : runs.kinds[found];
}

const STRONG = decodeRuns(STRENGTH);
const PUNCT = decodeRuns(PUNCTUATION);

/** "rtl" when the first strong character is right-to-left (Arabic, Hebrew), else null. */
export function direction(text) {
  for (const ch of text) {
    const kind = classOf(STRONG, ch.codePointAt(0));
    if (kind === "R") return "rtl";
    if (kind === "L") return null;
  }
  return null;
}

/** The text as both parsers get it: no U+FEFF, no half surrogate pair. */
export function prepare(text) {
  return String(text || "").replaceAll("\ufeff", "").replace(/[\ud800-\udfff]/gu, "\ufffd");
}

const TRIMMED = new RegExp(`^[${TRIM}]+|[${TRIM}]+$`, "g");
const strip = (text) => text.replace(TRIMMED, "");
const REFUSED = new RegExp(REFUSED_ADDRESS, "i"); // without the u flag: ASCII case only

function createParser() {
  const md = new MarkdownIt("zero", { ...OPTIONS });
  md.enable(ENABLED_RULES);
  // an address is shown as typed; a refused one makes no link (markdown_grammar.link_allowed)
  md.validateLink = (url) => !REFUSED.test(strip(url));
  md.normalizeLink = (url) => url;
  md.normalizeLinkText = (url) => url;
  const { isMdAsciiPunct, isWhiteSpace } = md.utils;
  const isPunct = (code) => isMdAsciiPunct(code) || classOf(PUNCT, code) === "P";
  // Whether a run of * can open or close emphasis, as markdown-it decides it but by code point
  // (as markdown-it-py does) rather than by UTF-16 unit: "😀*" is a symbol before the marker.
  class State extends md.inline.State {
    scanDelims(start, canSplitWord) {
      const max = this.posMax;
      const marker = this.src.charCodeAt(start);
      let last = start > 0 ? this.src.charCodeAt(start - 1) : 0x20;
      if (last >= 0xdc00 && last <= 0xdfff && start > 1) {
        const high = this.src.charCodeAt(start - 2);
        if (high >= 0xd800 && high <= 0xdbff) last = this.src.codePointAt(start - 2);
      }
      let pos = start;
      while (pos < max && this.src.charCodeAt(pos) === marker) pos += 1;
      const next = pos < max ? this.src.codePointAt(pos) : 0x20;
      const lastPunct = isPunct(last);
      const nextPunct = isPunct(next);
      const lastSpace = isWhiteSpace(last);
      const nextSpace = isWhiteSpace(next);
      const leftFlanking = !nextSpace && (!nextPunct || lastSpace || lastPunct);
      const rightFlanking = !lastSpace && (!lastPunct || nextSpace || nextPunct);
      return {
        can_open: leftFlanking && (canSplitWord || !rightFlanking || lastPunct),
        can_close: rightFlanking && (canSplitWord || !leftFlanking || nextPunct),
        length: pos - start,
      };
    }
  }
  md.inline.State = State;
  return md;
}

const MD = createParser();

const block = (kind, fields = {}) => ({
  kind, inlines: [], children: [], level: 0, start: 1, tight: false, ...fields,
});

function openBlock(name, token) {
  if (name === "heading") {
    // "#" is level 1, "##" and deeper level 2
    return block("heading", { level: Math.min(Number(token.tag.slice(1)), HEADING_LEVELS) });
  }
  if (name === "ordered_list") {
    const start = token.attrGet("start"); // absent for 1; "0." starts at 0
    return block("ordered_list", { start: start == null ? 1 : Number(start) });
  }
  if (name === "list_item") return block("item");
  if (name === "blockquote") return block("quote");
  return block(name);
}

/** A link or image as text: "label (URL)", or the URL alone when that is all there is. */
export function linkText(label, url) {
  const shown = strip(label);
  return !shown || shown === url ? url : `${shown} (${url})`;
}

const run = (text, bold = false, italic = false, hardBreak = false) => ({ text, bold, italic, hardBreak });

/** An inline token's children as runs of text with their emphasis (richtext._inlines). */
function inlines(children) {
  const out = [];
  let bold = 0;
  let italic = 0;
  const links = []; // [URL, where its label starts in out]
  for (const child of children) {
    if (child.type === "link_open") {
      links.push([MD.normalizeLinkText(child.attrGet("href") || ""), out.length]);
      continue;
    }
    if (child.type === "link_close") {
      const [url, start] = links.pop() || ["", out.length];
      const label = out.slice(start).map((r) => r.text).join("");
      if (url && strip(label) !== url) out.push(run(strip(label) ? ` (${url})` : url, bold > 0, italic > 0));
      continue;
    }
    if (child.type === "image") {
      const alt = (child.children || []).map((c) => c.content).join("") || child.content;
      const url = MD.normalizeLinkText(child.attrGet("src") || "");
      out.push(run(linkText(alt, url), bold > 0, italic > 0));
      continue;
    }
    if (child.type === "strong_open") bold += 1;
    else if (child.type === "strong_close") bold -= 1;
    else if (child.type === "em_open") italic += 1;
    else if (child.type === "em_close") italic -= 1;
    else if (child.type === "softbreak") out.push(run(" "));
    else if (child.type === "hardbreak") out.push(run("\n", false, false, true));
    else if (child.content) out.push(run(child.content, bold > 0, italic > 0));
  }
  // merge neighbours with the same emphasis
  const merged = [];
  for (const r of out) {
    const last = merged[merged.length - 1];
    if (last && !r.hardBreak && !last.hardBreak && last.bold === r.bold && last.italic === r.italic) {
      last.text += r.text;
    } else {
      merged.push({ ...r });
    }
  }
  return merged;
}

/**
 * Parse into blocks: {kind, inlines, children, level, start, tight}, kind one of paragraph,
 * heading, bullet_list, ordered_list, item, quote, rule; inlines [{text, bold, italic, hardBreak}].
 */
export function parseBlocks(source) {
  const root = block("root");
  const stack = [root];
  for (const token of MD.parse(prepare(source), {})) {
    const top = stack[stack.length - 1];
    if (token.type.endsWith("_open")) {
      const name = token.type.slice(0, -"_open".length);
      const opened = openBlock(name, token);
      // markdown-it hides the paragraphs of a tight list
      if (name === "paragraph" && token.hidden) stack[Math.max(0, stack.length - 2)].tight = true;
      top.children.push(opened);
      stack.push(opened);
    } else if (token.type.endsWith("_close")) {
      stack.pop();
    } else if (token.type === "inline") {
      top.inlines.push(...inlines(token.children || []));
    } else if (token.type === "hr") {
      top.children.push(block("rule"));
    }
  }
  return root.children;
}

const plainText = (runs) => runs.map((r) => r.text).join("");
const blockText = (b) => plainText(b.inlines) + b.children.map(blockText).join("");

function appendInlines(parent, runs, doc) {
  for (const r of runs) {
    if (r.hardBreak) {
      parent.append(doc.createElement("br"));
      continue;
    }
    let node = doc.createTextNode(r.text);
    for (const [on, tag] of [[r.italic, "em"], [r.bold, "strong"]]) {
      if (!on) continue;
      const wrapper = doc.createElement(tag);
      wrapper.append(node);
      node = wrapper;
    }
    parent.append(node);
  }
}

function element(doc, tag, text) {
  const el = doc.createElement(tag);
  if (text !== undefined && direction(text) === "rtl") el.setAttribute("dir", "rtl");
  return el;
}

const CONTAINERS = { bullet_list: "ul", ordered_list: "ol", quote: "blockquote" };

function render(b, doc, headingTag) {
  let el;
  if (b.kind === "paragraph") {
    el = element(doc, "p", plainText(b.inlines));
  } else if (b.kind === "heading") {
    el = doc.createElement(`h${Math.min(6, headingTag + b.level - 1)}`);
    el.setAttribute("class", "report-heading");
    if (direction(plainText(b.inlines)) === "rtl") el.setAttribute("dir", "rtl");
  } else if (b.kind === "item") {
    el = element(doc, "li", blockText(b));
  } else if (b.kind === "rule") {
    return doc.createElement("hr");
  } else if (CONTAINERS[b.kind]) {
    el = doc.createElement(CONTAINERS[b.kind]);
    if (b.kind === "ordered_list" && b.start !== 1) el.setAttribute("start", String(b.start));
  } else {
    el = doc.createDocumentFragment();
  }
  appendInlines(el, b.inlines, doc);
  for (const child of b.children) el.append(render(child, doc, headingTag));
  return el;
}

/**
 * The report as a DocumentFragment. headingTag: the tag of a report's "#" (3, h3, as in the
 * annex; a page whose report sits under an h4 passes 5), "##" the one below it.
 */
export function renderMarkdown(source, doc = globalThis.document, { headingTag = ANNEX_HEADING_TAG } = {}) {
  const fragment = doc.createDocumentFragment();
  for (const b of parseBlocks(source)) fragment.append(render(b, doc, headingTag));
  return fragment;
}

// A rendered report (a DocumentFragment, from a browser or from markdown_runner.mjs's small
// document) as the HTML text that facilitator/export/richtext.py's to_html writes for the
// annex: the same tags, attributes in order, the same escaping and the same line breaks, so
// that the two renderers' output can be compared as strings (tests/test_markdown_grammar.py).

const BREAK_AFTER_OPEN = new Set(["ul", "ol", "blockquote"]);
const BREAK_AFTER_CLOSE = new Set(["p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "hr"]);
const VOID = new Set(["br", "hr"]);

const escape = (text) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

export function serialize(node) {
  if (node.nodeType === 3) return escape(node.data);
  const inner = Array.from(node.childNodes, serialize).join("");
  if (node.nodeType !== 1) return inner;
  const tag = node.localName;
  const attributes = Array.from(node.attributes, (a) => ` ${a.name}="${escape(a.value)}"`).join("");
  const open = `<${tag}${attributes}>${BREAK_AFTER_OPEN.has(tag) ? "\n" : ""}`;
  const close = VOID.has(tag) ? "" : `</${tag}>`;
  return `${open}${inner}${close}${BREAK_AFTER_CLOSE.has(tag) ? "\n" : ""}`;
}

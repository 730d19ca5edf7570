// Runs static/js/markdown.js under Node for tests/test_markdown_grammar.py: reads
// {"cases": [text, …], "headingTag": n} as JSON on stdin and writes, per text, the blocks
// parseBlocks() builds and the HTML renderMarkdown() draws (with the small document below,
// serialised as the annex's to_html writes it).

import { readFileSync } from "node:fs";

import { parseBlocks, renderMarkdown } from "../static/js/markdown.js";
import { serialize } from "./markdown_serialize.mjs";

class Node {
  constructor(nodeType, localName = null) {
    this.nodeType = nodeType;
    this.localName = localName;
    this.attributes = [];
    this.childNodes = [];
  }

  append(...nodes) {
    for (const node of nodes) {
      // a fragment gives its children, as in a browser
      if (node.nodeType === 11) this.childNodes.push(...node.childNodes.splice(0));
      else this.childNodes.push(node);
    }
  }

  setAttribute(name, value) {
    const found = this.attributes.find((a) => a.name === name);
    if (found) found.value = String(value);
    else this.attributes.push({ name, value: String(value) });
  }
}

const doc = {
  createDocumentFragment: () => new Node(11),
  createElement: (tag) => new Node(1, tag),
  createTextNode: (text) => Object.assign(new Node(3), { data: String(text) }),
};

const input = JSON.parse(readFileSync(0, "utf-8"));
const options = input.headingTag ? { headingTag: input.headingTag } : {};
const out = input.cases.map((text) => ({
  html: serialize(renderMarkdown(text, doc, options)),
  blocks: parseBlocks(text),
}));
process.stdout.write(JSON.stringify(out));

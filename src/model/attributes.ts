/** Attributes and doc comments in front of an item, read from the siblings tree-sitter puts before it. */
import type { Node } from '../source.js';

export interface Attribute {
  node: Node;
  /** Attribute path, unwrapped from `unsafe(..)`: `no_mangle`, `export_name`, `allow`, `doc`, `cfg` ... */
  name: string;
  /** Text inside the attribute's parentheses or after `=`, e.g. `clippy::missing_safety_doc` for `allow(..)`. */
  args: string;
  /** `#![..]` */
  inner: boolean;
}

/** Attribute and comment nodes that belong to the item: contiguous preceding siblings. */
export function leadingTrivia(item: Node): Node[] {
  const out: Node[] = [];
  for (let s = item.previousSibling; s; s = s.previousSibling) {
    if (s.type === 'attribute_item' || s.type === 'line_comment' || s.type === 'block_comment') out.unshift(s);
    else break;
  }
  return out;
}

export function leadingAttributes(item: Node): Attribute[] {
  return leadingTrivia(item)
    .filter((n) => n.type === 'attribute_item')
    .map(readAttribute)
    .filter((a): a is Attribute => a !== null);
}

export function readAttribute(item: Node): Attribute | null {
  const attr = item.namedChildren.find((c) => c.type === 'attribute');
  if (!attr) return null;
  const path = attr.namedChild(0);
  if (!path) return null;
  let name = path.text.replace(/\s+/g, '');
  let args = attr.childForFieldName('arguments')?.text.slice(1, -1).trim() ?? '';
  const value = attr.childForFieldName('value');
  if (value) args = value.text;
  // `#[unsafe(no_mangle)]`, `#[unsafe(export_name = "f")]` (edition 2024).
  if (name === 'unsafe') {
    const m = /^\s*([A-Za-z_][\w:]*)\s*(?:=\s*([\s\S]*)|\(([\s\S]*)\))?\s*$/.exec(args);
    if (m) {
      name = m[1]!;
      args = (m[2] ?? m[3] ?? '').trim();
    }
  }
  return { node: item, name, args, inner: item.type === 'inner_attribute_item' };
}

/** The item's outer doc text (`///`, block doc comments and `#[doc = ".."]`), joined by newlines. */
export function docText(item: Node): string {
  const parts: string[] = [];
  for (const n of leadingTrivia(item)) {
    if (n.type === 'line_comment' || n.type === 'block_comment') {
      if (!n.childForFieldName('outer')) continue;
      const doc = n.childForFieldName('doc');
      if (!doc) continue;
      const text = doc.text.replace(/\r?\n$/, '');
      parts.push(n.type === 'block_comment' ? text.replace(/^[ \t]*\*(?!\/) ?/gm, '') : text.replace(/^ /, ''));
    } else {
      const a = readAttribute(n);
      if (a?.name === 'doc' && /^"/.test(a.args)) parts.push(unquote(a.args));
    }
  }
  return parts.join('\n');
}

function unquote(lit: string): string {
  const raw = /^r#*"([\s\S]*)"#*$/.exec(lit);
  if (raw) return raw[1]!;
  return lit.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
}

/**
 * collectFunction reads a function's visibility, `unsafe` and ABI from the text before its name; the
 * tree says the same, for every function of the fixtures and for the odd spellings below.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectFunction } from '../src/model/functions.js';
import { SourceFile, type Node } from '../src/source.js';

/** What the tree says (the way collectFunction read it before it read the text). */
function fromTree(node: Node): { abi: string | null; isUnsafe: boolean; visibility: string | null } {
  let abi: string | null = null;
  let isUnsafe = false;
  for (const m of node.namedChildren.find((c) => c.type === 'function_modifiers')?.children ?? []) {
    if (m.type === 'unsafe') isUnsafe = true;
    if (m.type === 'extern_modifier') {
      const s = m.namedChildren.find((c) => c.type === 'string_literal');
      abi = s ? s.text.slice(1, -1) : 'C';
    }
  }
  const vis = node.namedChildren.find((c) => c.type === 'visibility_modifier');
  return { abi, isUnsafe, visibility: vis ? vis.text.replace(/\s+/g, '') : null };
}

function agree(file: SourceFile): number {
  let n = 0;
  for (const node of file.root.descendantsOfType('function_item')) {
    const fn = collectFunction(file, node);
    if (!fn) continue;
    expect({ abi: fn.abi, isUnsafe: fn.isUnsafe, visibility: fn.visibility }, `${file.path}: ${node.text.split('\n')[0]}`).toEqual(fromTree(node));
    n++;
  }
  return n;
}

describe('collectFunction', () => {
  it('reads visibility, unsafe and ABI as the tree has them, on every fixture function', () => {
    const dir = path.resolve(import.meta.dirname, '../fixtures');
    const files = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.rs'));
    let n = 0;
    for (const e of files) {
      const p = path.join(e.parentPath, e.name);
      n += agree(new SourceFile(p, fs.readFileSync(p, 'utf8')));
    }
    expect(n).toBeGreaterThan(500);
  });

  it('and on unusual spellings (comments, spacing, raw names, every qualifier)', () => {
    const text = [
      'pub ( crate ) unsafe extern "C" fn a() {}',
      'pub(in crate::x) const unsafe fn b() {}',
      'pub /* exported */ extern "system" fn c() {}',
      'extern fn d() {}',
      'pub async unsafe fn e() {}',
      'unsafe extern "C-unwind" fn f() {}',
      'pub extern\n    "C"\n    fn g() {}',
      'pub fn r#type() {}',
      'pub(super) extern "C" fn h() {}',
      'fn i() {}',
    ].join('\n');
    expect(agree(new SourceFile('/odd.rs', text))).toBe(10);
  });
});

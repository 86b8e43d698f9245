/**
 * Fixture markers check where findings are and what they say, not their severity: `lock-unwrap` and
 * `unbounded-block-on` are errors inside an FFI function and warnings elsewhere, checked here.
 */
import { describe, expect, it } from 'vitest';
import { analyzeCrate } from '../src/analyze.js';
import { DEFAULT_SETTINGS } from '../src/crate-unit.js';
import lockUnwrap from '../rules/lock-unwrap.js';
import unboundedBlockOn from '../rules/unbounded-block-on.js';

const SOURCE = `
use std::sync::Mutex;
static M: Mutex<u32> = Mutex::new(0);

fn helper(rt: &tokio::runtime::Runtime) -> u32 {
    rt.block_on(work());
    *M.lock().unwrap()
}

#[no_mangle]
pub extern "C" fn exported(rt: &tokio::runtime::Runtime) -> u32 {
    rt.block_on(work());
    *M.lock().unwrap()
}

pub extern "C-unwind" fn callback(rt: &tokio::runtime::Runtime) -> u32 {
    fn nested() -> u32 {
        *M.lock().unwrap()
    }
    rt.block_on(work());
    *M.lock().unwrap() + nested()
}
`;

async function severities(): Promise<string[]> {
  const { findings } = await analyzeCrate('/crate', DEFAULT_SETTINGS, [{ path: '/crate/src/lib.rs', text: SOURCE }], {
    rules: [lockUnwrap, unboundedBlockOn],
  });
  return findings.map((f) => `${f.span.startLine} ${f.ruleId} ${f.severity}`).sort((a, b) => parseInt(a) - parseInt(b) || a.localeCompare(b));
}

describe('severity inside and outside FFI functions', () => {
  it('is a warning in a Rust function and an error in an extern "C" one (also "C-unwind"), not in a nested fn', async () => {
    expect(await severities()).toEqual([
      '6 unbounded-block-on warning',
      '7 lock-unwrap warning',
      '12 unbounded-block-on error',
      '13 lock-unwrap error',
      '18 lock-unwrap warning',
      '20 unbounded-block-on error',
      '21 lock-unwrap error',
    ]);
  });
});

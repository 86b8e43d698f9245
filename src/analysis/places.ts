/** How messages name a place: "line 12" in the function's own file, "src/util.rs:12" elsewhere. */
import path from 'node:path';
import type { CrateModel } from '../model/crate.js';
import type { Node, SourceFile } from '../source.js';

/** A file's path relative to the crate root, with `/` separators. */
export function crateRelative(crate: CrateModel, file: { path: string }): string {
  return path.relative(crate.root, file.path).split(path.sep).join('/');
}

/** Names places as seen from `home` (the file of the function a message is about). */
export function placeNamer(crate: CrateModel, home: SourceFile): (file: SourceFile, node: Node) => string {
  return (file, node) => (file === home ? `line ${file.line(node)}` : `${crateRelative(crate, file)}:${file.line(node)}`);
}

/**
 * Turns the paths a user gives into crates to scan, as Cargo would see them: a crate directory, a
 * workspace (its members), any other directory (every package below it, plus the loose `.rs` files),
 * or one `.rs` file. Settings that change what a finding means come from Cargo.toml (see cargo.ts).
 */
import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import ignore from 'ignore';
import { crateSettings, findWorkspaceRoot, loadWorkspaceGlob, manifestReader, workspaceMembers, WorkspaceGlobNeeded } from './cargo.js';
import { DEFAULT_SETTINGS, type CrateSettings, type CrateUnit } from './crate-unit.js';
import type { Notification } from './findings.js';
import { UsageError } from './errors.js';

export interface DiscoverOptions {
  /**
   * Follow symbolic links wherever they lead (`--follow-symlinks`). By default a link is not followed:
   * what it points to inside the scanned directory is scanned at its own path, and a link leading out
   * of it is named in a notification. Loops are detected and each file is scanned once either way.
   */
  followSymlinks?: boolean;
}

export async function discover(paths: string[], cwd: string, options: DiscoverOptions = {}): Promise<{ crates: CrateUnit[]; notifications: Notification[] }> {
  try {
    return await discoverOnce(paths, cwd, options);
  } catch (error) {
    // A workspace pattern that may be a glob: load fast-glob (most workspaces never need it) and start again.
    if (!(error instanceof WorkspaceGlobNeeded)) throw error;
    await loadWorkspaceGlob();
    return discoverOnce(paths, cwd, options);
  }
}

async function discoverOnce(paths: string[], cwd: string, options: DiscoverOptions): Promise<{ crates: CrateUnit[]; notifications: Notification[] }> {
  const discovery = new Discovery(!!options.followSymlinks);
  for (const path of paths) await discovery.add(path, cwd);
  return { crates: discovery.finish(), notifications: dedupeNotifications(discovery.notifications) };
}

interface Found {
  unit: CrateUnit;
  /** A loose directory or single file rather than a package: it gives up files a package also has. */
  loose: boolean;
}

class Discovery {
  readonly notifications: Notification[] = [];
  private readonly found: Found[] = [];
  private readonly ignores = new GitIgnores();
  private readonly settingsCache = new Map<string, CrateSettings>();
  /** Real paths of the files walks found; others (files named on the command line) are resolved when needed. */
  private readonly realPaths = new Map<string, string>();
  /** Each Cargo.toml parsed once per discovery. */
  private readonly readManifest = manifestReader();
  /** Packages found below a crate's directory, which Cargo (and so the crate) leaves out. */
  private readonly nested: { dir: string; crate: string }[] = [];

  constructor(private readonly followSymlinks: boolean) {}

  async add(path: string, cwd: string): Promise<void> {
    const abs = resolve(cwd, path);
    const stats = statPath(abs, path);
    if (stats.isFile()) {
      if (!isSourceFile(abs)) throw new UsageError(`not a Rust source file or C header: ${path}`);
      try {
        accessSync(abs, constants.R_OK);
      } catch {
        throw new UsageError(`permission denied: ${path}`);
      }
      this.found.push({ unit: { root: dirname(abs), files: [abs], settings: this.settingsNear(dirname(abs)) }, loose: true });
      return;
    }
    if (!stats.isDirectory()) throw new UsageError(`not a file or directory: ${path}`);
    try {
      accessSync(abs, constants.R_OK | constants.X_OK);
    } catch {
      throw new UsageError(`permission denied: ${path}`);
    }
    const manifestPath = join(abs, 'Cargo.toml');
    const manifest = existsSync(manifestPath) ? this.readManifest(manifestPath) : undefined;
    if (manifest?.workspace) {
      const { dirs, notifications } = workspaceMembers(manifest, { followSymlinks: this.followSymlinks, read: this.readManifest });
      this.notifications.push(...notifications);
      for (const dir of dirs) await this.addCrate(dir);
    } else if (manifest?.package) {
      await this.addCrate(abs);
    } else {
      if (manifest) this.warn(manifestPath, 'Cargo.toml has neither [package] nor [workspace]; scanning the directory as plain files');
      await this.addDirectory(abs);
    }
  }

  private async addCrate(dir: string): Promise<void> {
    const { files, real, manifestDirs } = await walk(dir, { intoPackages: false, followSymlinks: this.followSymlinks }, this.ignores, this.notifications);
    real.forEach((r, f) => this.realPaths.set(f, r));
    for (const nested of manifestDirs) this.nested.push({ dir: nested, crate: dir });
    this.found.push({ unit: { root: dir, files, settings: this.settingsOf(join(dir, 'Cargo.toml')) }, loose: false });
  }

  /** A directory that is not a package: every package below it is a crate, the other files one loose unit. */
  private async addDirectory(dir: string): Promise<void> {
    const tree = await walk(dir, { intoPackages: true, followSymlinks: this.followSymlinks }, this.ignores, this.notifications);
    tree.real.forEach((r, f) => this.realPaths.set(f, r));
    const packages = new Map<string, CrateUnit>();
    for (const pkgDir of tree.manifestDirs) {
      const manifestPath = join(pkgDir, 'Cargo.toml');
      try {
        // Found by searching, not named by the user: a broken one should not stop the whole scan.
        if (this.readManifest(manifestPath).package) packages.set(pkgDir, { root: pkgDir, files: [], settings: this.settingsOf(manifestPath) });
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        this.warn(manifestPath, `${error.message}; its files are scanned without its settings`);
      }
    }
    const manifestDirs = new Set(tree.manifestDirs);
    const loose: string[] = [];
    for (const file of tree.files) {
      const owner = nearestManifestDir(file, dir, manifestDirs);
      const unit = owner === undefined ? undefined : packages.get(owner);
      if (unit) unit.files.push(file);
      else loose.push(file);
    }
    for (const unit of packages.values()) this.found.push({ unit, loose: false });
    if (loose.length > 0) this.found.push({ unit: { root: dir, files: loose, settings: this.settingsNear(dir) }, loose: true });
  }

  private settingsOf(manifestPath: string): CrateSettings {
    let settings = this.settingsCache.get(manifestPath);
    if (!settings) this.settingsCache.set(manifestPath, (settings = crateSettings(manifestPath, findWorkspaceRoot(manifestPath, this.readManifest), this.readManifest)));
    return settings;
  }

  /** Settings for files outside any package: those of the nearest enclosing Cargo.toml, if any. */
  private settingsNear(dir: string): CrateSettings {
    const manifestDir = findUp(dir, 'Cargo.toml');
    return manifestDir === undefined ? { ...DEFAULT_SETTINGS } : this.settingsOf(join(manifestDir, 'Cargo.toml'));
  }

  private warn(file: string, message: string): void {
    this.notifications.push({ level: 'warning', file, message });
  }

  /**
   * One unit per crate, however many paths reached it, and each file in one unit only: a package
   * keeps its files over a loose directory or single file that also named them. A file reached under
   * two paths (`scan crate link-to-crate`, or links followed with `--follow-symlinks`) is scanned
   * once, under the first path in this order.
   */
  finish(): CrateUnit[] {
    const merged = new Map<string, Found>();
    for (const { unit, loose } of this.found) {
      const key = `${loose}\0${unit.root}\0${unit.settings.manifestPath ?? ''}`;
      const existing = merged.get(key);
      if (existing) existing.unit.files.push(...unit.files);
      else merged.set(key, { unit: { ...unit, files: [...unit.files] }, loose });
    }
    const ordered = [...merged.values()].sort((a, b) => Number(a.loose) - Number(b.loose) || compare(a.unit.root, b.unit.root));
    const claimed = new Set<string>();
    const units: CrateUnit[] = [];
    for (const { unit, loose } of ordered) {
      unit.files = [...new Set(unit.files)].sort(compare).filter((f) => {
        const real = this.realPaths.get(f) ?? realFile(f);
        return !claimed.has(real) && !!claimed.add(real);
      });
      if (!loose || unit.files.length > 0) units.push(unit);
    }
    this.noteUnscanned(new Set(units.map((u) => u.root)));
    return units.sort((a, b) => compare(a.root, b.root));
  }

  /**
   * A library for other languages (`crate-type` `cdylib` or `staticlib`) in a directory below a scanned
   * crate, not scanned itself: not a member of the workspace, like lol-html's `c-api/` and
   * rust-brotli's `c/` beside their Rust library. Cargo builds it on its own, so the crate does not
   * include it. Said once per crate, so that `scan .` at the top of such a repository does not look
   * clean for the wrong reason. (Fuzz targets, examples and build tools below a crate are not C APIs.)
   */
  private noteUnscanned(scanned: Set<string>): void {
    const byCrate = new Map<string, string[]>();
    for (const { dir, crate } of this.nested) {
      if (scanned.has(dir) || !byCrate.has(crate) && !scanned.has(crate)) continue;
      let linked = false;
      try {
        const m = this.readManifest(join(dir, 'Cargo.toml'));
        linked = !!m.package && m.libCrateTypes.some((t) => t === 'cdylib' || t === 'staticlib');
      } catch {
        // A broken manifest is not a package to point at.
      }
      if (!linked) continue;
      const list = byCrate.get(crate) ?? [];
      if (!list.includes(dir)) list.push(dir);
      byCrate.set(crate, list);
    }
    for (const [crate, dirs] of byCrate) {
      const shown = dirs.sort(compare).map((d) => relative(crate, d).split(sep).join('/'));
      this.notifications.push({
        level: 'note',
        file: join(crate, 'Cargo.toml'),
        message: `${shown.length} library package(s) for other languages (cdylib or staticlib) below this crate are not part of it or of its workspace, and were not scanned: ${shown.slice(0, 5).join(', ')}${shown.length > 5 ? `, and ${shown.length - 5} more` : ''}; name their directories to scan them too`,
      });
    }
  }
}

function realFile(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

function statPath(abs: string, shown: string): Stats {
  try {
    return statSync(abs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`no such file or directory: ${shown}`);
    if (code === 'EACCES' || code === 'EPERM') throw new UsageError(`permission denied: ${shown}`);
    throw new UsageError(`cannot read ${shown}: ${code ?? String(error)}`);
  }
}

/** The deepest directory in `manifestDirs` holding `file`, strictly below `top`. */
function nearestManifestDir(file: string, top: string, manifestDirs: Set<string>): string | undefined {
  for (let dir = dirname(file); dir !== top && dirname(dir) !== dir; dir = dirname(dir)) {
    if (manifestDirs.has(dir)) return dir;
  }
  return undefined;
}

/** The nearest directory, from `dir` upwards, that holds an entry called `name`. */
function findUp(dir: string, name: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, name))) return current;
    if (dirname(current) === current) return undefined;
  }
}

/** Rust sources, and the C headers that describe a crate's C ABI. */
export function isSourceFile(name: string): boolean {
  return /\.(rs|h|hh|hpp|hxx)$/.test(name);
}

export function isHeader(name: string): boolean {
  return /\.(h|hh|hpp|hxx)$/.test(name);
}

interface Tree {
  /** The `.rs` and header files, sorted. */
  files: string[];
  /** The real path of each file (known from the walk, so that none costs a realpath call). */
  real: Map<string, string>;
  /** Directories strictly below the root that hold a Cargo.toml, sorted. */
  manifestDirs: string[];
}

/**
 * The `.rs` files below `root`. Written as a plain walk rather than a fast-glob call so that ignored
 * directories are pruned as they are met: a gitignored build directory or a Cargo `target/` (often
 * hundreds of thousands of files) is never listed. Hidden directories and node_modules are skipped.
 * A `target` directory is Cargo's only beside a Cargo.toml or when it holds Cargo's CACHEDIR.TAG, so a
 * module directory `src/target/` is still read. A directory with its own Cargo.toml is another package
 * (as for `cargo package`): it is listed in `manifestDirs`, and walked only when `intoPackages` is set.
 *
 * Symbolic links can lead out of the tree (to files of the machine a pull request should not make us
 * read) or loop. Without `followSymlinks` none is followed: a link to something the walk reads at its
 * own path is skipped silently; one leading out of the root or to something the walk leaves out
 * (hidden, ignored), a broken one and a loop are named in a note. With `followSymlinks` the real tree is walked first, then the links in
 * path order, one at a time, so that which path names a file reached twice does not depend on timing:
 * a file or directory already reached is not scanned again, and a link to a directory holding it is a loop.
 */
async function walk(root: string, opts: { intoPackages: boolean; followSymlinks: boolean }, ignores: GitIgnores, notifications: Notification[]): Promise<Tree> {
  const tree: Tree = { files: [], real: new Map(), manifestDirs: [] };
  const top = findUp(root, '.git') ?? root;
  const note = (file: string, message: string) => notifications.push({ level: 'note', file, message });
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (error) {
    notifications.push({ level: 'warning', file: root, message: `cannot read directory: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
    return tree;
  }
  /** Real paths of the directories walked and the files listed: what a link may lead back to. */
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  const links: { path: string; realParent: string }[] = [];

  const visit = async (dir: string, realDir: string): Promise<void> => {
    seenDirs.add(realDir);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      notifications.push({ level: 'warning', file: dir, message: `cannot read directory: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
      return;
    }
    ignores.listed(dir, entries);
    const hasManifest = entries.some((e) => e.isFile() && e.name === 'Cargo.toml');
    if (hasManifest && dir !== root) {
      tree.manifestDirs.push(dir);
      if (!opts.intoPackages) return;
    }
    const subdirs: Promise<void>[] = [];
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) {
        const cargoTarget = entry.name === 'target' && (hasManifest || existsSync(join(path, 'CACHEDIR.TAG')));
        if (!cargoTarget && entry.name !== 'node_modules' && !ignores.ignored(path, true, top)) subdirs.push(visit(path, join(realDir, entry.name)));
      } else if (entry.isFile() && isSourceFile(entry.name) && !ignores.ignored(path, false, top)) {
        tree.files.push(path);
        tree.real.set(path, join(realDir, entry.name));
        seenFiles.add(join(realDir, entry.name));
      } else if (entry.isSymbolicLink() && entry.name !== 'node_modules') {
        links.push({ path, realParent: realDir });
      }
    }
    await Promise.all(subdirs);
  };

  await visit(root, realRoot);
  while (links.length > 0) {
    links.sort((a, b) => compare(a.path, b.path));
    const { path, realParent } = links.shift()!;
    const target = await linkTarget(path);
    if (ignores.ignored(path, 'isDirectory' in target && target.isDirectory, top)) continue;
    if ('problem' in target) {
      if (target.problem === 'loop' || isSourceFile(path)) note(path, target.problem === 'loop' ? 'symbolic link loop, not followed' : `symbolic link is ${target.problem}, skipped`);
      continue;
    }
    if (!target.isDirectory && !(target.isFile && isSourceFile(path))) continue;
    const kind = target.isDirectory ? 'directory' : 'file';
    if (!opts.followSymlinks) {
      if (!isWithin(target.real, realRoot)) note(path, `symbolic link to a ${kind} outside the scanned directory, not followed (--follow-symlinks follows it)`);
      else if (!(target.isDirectory ? seenDirs : seenFiles).has(target.real)) note(path, `symbolic link to a ${kind} the scan leaves out (hidden, ignored, target/ or another package), not followed (--follow-symlinks follows it)`);
    } else if (target.isFile) {
      if (!seenFiles.has(target.real)) {
        seenFiles.add(target.real);
        tree.files.push(path);
        tree.real.set(path, target.real);
      }
    } else if (isWithin(realParent, target.real)) {
      note(path, 'symbolic link loop: it leads back to a directory that holds it, not followed');
    } else if (!seenDirs.has(target.real)) {
      await visit(path, target.real);
    }
  }
  tree.files.sort(compare);
  tree.manifestDirs.sort(compare);
  return tree;
}

/** Where a symbolic link leads, or why it leads nowhere. */
async function linkTarget(link: string): Promise<{ real: string; isDirectory: boolean; isFile: boolean } | { problem: 'loop' | 'broken' | 'unreadable' }> {
  try {
    const real = await realpath(link);
    const stats = await stat(real);
    return { real, isDirectory: stats.isDirectory(), isFile: stats.isFile() };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: code === 'ELOOP' ? 'loop' : code === 'ENOENT' || code === 'ENOTDIR' ? 'broken' : 'unreadable' };
  }
}

/** Is `path` `dir` or below it? */
export function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

type Ignore = ReturnType<typeof ignore>;

/**
 * `.gitignore` rules, read once per directory and applied as Git does: every file from `top` (the
 * repository root, or the scanned directory outside a repository) down to the path's directory,
 * a deeper file overriding a shallower one. The repository's `.git/info/exclude` counts too.
 */
class GitIgnores {
  private readonly rules = new Map<string, Ignore | undefined>();

  ignored(path: string, isDir: boolean, top: string): boolean {
    const dirs: string[] = [];
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      dirs.unshift(dir);
      if (dir === top || dirname(dir) === dir) break;
    }
    let ignored = false;
    for (const dir of dirs) {
      const rules = this.load(dir);
      if (!rules) continue;
      const result = rules.test(relative(dir, path).split(sep).join('/') + (isDir ? '/' : ''));
      if (result.ignored) ignored = true;
      else if (result.unignored) ignored = false;
    }
    return ignored;
  }

  /** A directory's entries, as the walk lists them: with no `.gitignore` and no `.git` it has no rules, and no file need be tried. */
  listed(dir: string, entries: Dirent[]): void {
    if (!this.rules.has(dir) && !entries.some((e) => e.name === '.gitignore' || e.name === '.git')) this.rules.set(dir, undefined);
  }

  private load(dir: string): Ignore | undefined {
    if (!this.rules.has(dir)) {
      // info/exclude first: later patterns win, and .gitignore takes precedence over it in Git.
      const texts = [join(dir, '.git', 'info', 'exclude'), join(dir, '.gitignore')].flatMap((file) => {
        try {
          return [readFileSync(file, 'utf8')];
        } catch {
          return [];
        }
      });
      this.rules.set(dir, texts.length > 0 ? texts.reduce((rules, text) => rules.add(text), ignore()) : undefined);
    }
    return this.rules.get(dir);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dedupeNotifications(notifications: Notification[]): Notification[] {
  const seen = new Set<string>();
  return notifications.filter((n) => {
    const key = `${n.level}\0${n.file ?? ''}\0${n.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

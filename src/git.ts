/**
 * Which commit of which repository a scan looked at, for SARIF `versionControlProvenance`. Read from the
 * files under `.git` and nothing else: running `git` would run whatever the scanned repository
 * configures (fsmonitor, hooks, `core.*` helpers), and ffiguard executes nothing from the scanned tree.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface GitProvenance {
  /** `origin`'s URL as an https (or http) URL without credentials, query or `.git` suffix. */
  repositoryUri: string;
  /** The commit HEAD points to; absent on a branch with no commit yet. */
  revisionId?: string;
  /** The checked-out branch; absent on a detached HEAD (as in a pull-request checkout). */
  branch?: string;
}

/** Provenance of the checkout whose top directory is `root`, or undefined when it is not one or has no usable `origin`. */
export function readGitProvenance(root: string): GitProvenance | undefined {
  const gitDir = findGitDir(root);
  if (!gitDir) return undefined;
  // A linked worktree keeps HEAD in its own directory, and config and refs in the main repository's.
  const commonDir = resolveFrom(gitDir, read(path.join(gitDir, 'commondir'))?.trim()) ?? gitDir;
  const config = read(path.join(commonDir, 'config'));
  const url = config === undefined ? undefined : remoteUrl(config, 'origin');
  const repositoryUri = url === undefined ? undefined : normaliseRemoteUrl(url);
  if (!repositoryUri) return undefined;
  const head = read(path.join(gitDir, 'HEAD'))?.trim() ?? '';
  const symbolic = /^ref:\s*(refs\/\S+)$/.exec(head);
  const ref = symbolic?.[1];
  const revisionId = ref ? resolveRef(commonDir, gitDir, ref) : isObjectId(head) ? head : undefined;
  const branch = ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  return { repositoryUri, ...(revisionId ? { revisionId } : {}), ...(branch ? { branch } : {}) };
}

/** `.git` is a directory, or (worktrees, submodules) a file saying `gitdir: <path>`. */
function findGitDir(root: string): string | undefined {
  const dotGit = path.join(root, '.git');
  try {
    if (fs.statSync(dotGit).isDirectory()) return dotGit;
  } catch {
    return undefined;
  }
  const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(read(dotGit) ?? '');
  return resolveFrom(root, pointer?.[1]);
}

function resolveFrom(base: string, target: string | undefined): string | undefined {
  return target ? path.resolve(base, target) : undefined;
}

function resolveRef(commonDir: string, gitDir: string, ref: string): string | undefined {
  if (ref.split('/').includes('..')) return undefined;
  for (const dir of [gitDir, commonDir]) {
    const loose = read(path.join(dir, ref))?.trim();
    if (loose && isObjectId(loose)) return loose;
  }
  for (const line of (read(path.join(commonDir, 'packed-refs')) ?? '').split('\n')) {
    const [id, name] = line.trim().split(/\s+/);
    if (name === ref && id && isObjectId(id)) return id;
  }
  return undefined;
}

/** SHA-1 or SHA-256 object names. */
function isObjectId(text: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(text);
}

/**
 * `url` of `[remote "<name>"]` in a git config file: section names are case-insensitive, subsection names
 * are not, values may be quoted, `#` and `;` start comments outside quotes. The last value wins, as in git.
 */
export function remoteUrl(config: string, name: string): string | undefined {
  let inRemote = false;
  let url: string | undefined;
  for (const raw of config.split(/\r?\n/)) {
    const line = raw.trim();
    const section = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (section) {
      // `[remote "origin"]`, or the deprecated `[remote.origin]` (whose subsection is case-insensitive).
      const [head, ...rest] = section[1]!.split('.');
      const sub = section[2] !== undefined ? section[2].replace(/\\(.)/g, '$1') : rest.length ? rest.join('.').toLowerCase() : undefined;
      inRemote = head!.toLowerCase() === 'remote' && sub === (section[2] !== undefined ? name : name.toLowerCase());
      continue;
    }
    const entry = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/.exec(line);
    if (inRemote && entry && entry[1]!.toLowerCase() === 'url') url = configValue(entry[2]!);
  }
  return url;
}

function configValue(raw: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && i + 1 < raw.length) out += { n: '\n', t: '\t', b: '\b' }[raw[++i]!] ?? raw[i];
    else if (!quoted && (c === '#' || c === ';')) break;
    else out += c;
  }
  return out.trim();
}

/**
 * A remote URL as a browsable web address without secrets: `git@host:o/r.git`, `ssh://git@host:22/o/r`
 * and `git://host/o/r` become `https://host/o/r`; user names, passwords and tokens, query strings and
 * fragments are dropped. Local paths and `file:` remotes have no web address: undefined.
 */
export function normaliseRemoteUrl(url: string): string | undefined {
  const scp = /^(?:[^@/\s]+@)?([A-Za-z0-9.-]+):(?!\/\/)(.+)$/.exec(url);
  let parsed: URL;
  try {
    parsed = new URL(scp && !/^[A-Za-z]:[\\/]/.test(url) ? `https://${scp[1]}/${scp[2]!.replace(/^\/+/, '')}` : url);
  } catch {
    return undefined;
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (!['https', 'http', 'ssh', 'git', 'git+ssh', 'ssh+git'].includes(scheme) || !parsed.hostname) return undefined;
  const pathname = parsed.pathname.replace(/\/+$/, '').replace(/\.git$/, '');
  return `${scheme === 'http' ? 'http' : 'https'}://${parsed.hostname.toLowerCase()}${scheme.startsWith('http') && parsed.port ? `:${parsed.port}` : ''}${pathname}`;
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * GitHub Actions workflow commands read the way the Actions runner reads them (a port of actions/runner's
 * ActionCommand.TryParseV2 and its unescaping), shared by the tests that check what the runner would see.
 */
export interface Command {
  name: string;
  props: Record<string, string>;
  data: string;
}

/** The runner's reading of one output line: a command, or null for plain text. */
export function parseLikeRunner(line: string): Command | null {
  const message = line.trimStart();
  if (!message.startsWith('::')) return null;
  const end = message.indexOf('::', 2);
  if (end < 0) return null;
  const info = message.slice(2, end);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  const props: Record<string, string> = {};
  if (space > 0) {
    for (const pair of info.slice(space + 1).trim().split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq > 0 && eq < pair.length - 1) props[pair.slice(0, eq)] = unescape(pair.slice(eq + 1), true);
    }
  }
  return { name, props, data: unescape(message.slice(end + 2), false) };
}

export function unescape(text: string, property: boolean): string {
  // Same order as the runner's mapping tables: `%25` last.
  let out = text.replace(/%0D/g, '\r').replace(/%0A/g, '\n');
  if (property) out = out.replace(/%3A/g, ':').replace(/%2C/g, ',');
  return out.replace(/%25/g, '%');
}

/** Output lines as the runner splits them (ReadLine: CR, LF or CRLF). */
export function runnerLines(out: string): string[] {
  return out.split(/\r\n|\r|\n/).filter((l) => l !== '');
}

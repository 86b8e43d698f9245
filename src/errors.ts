/**
 * A mistake in how ffiguard was invoked or in the project it was pointed at (a path that does not
 * exist, a broken Cargo.toml). Unlike a bug, it is the user's to fix: the CLI prints the one-line
 * message as `ffiguard: <message>`, without a stack trace, and exits with code 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

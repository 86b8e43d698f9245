/** Default limits of a scan (`--max-file-size`, `--max-parse-seconds`): what the command line shows before it loads the scanner. */
export const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;
export const DEFAULT_MAX_PARSE_SECONDS = 5;

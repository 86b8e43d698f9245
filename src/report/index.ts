/** The one entry point the CLI uses; each format lives in its own module. */
import type { ScanResult } from '../scan-result.js';
import type { RenderOptions } from './common.js';
import { render as renderCompact } from './compact.js';
import { render as renderGithub } from './github.js';
import { render as renderJson } from './json.js';
import { render as renderSarif } from './sarif.js';
import { render as renderText } from './text.js';

import type { ReportFormat } from './formats.js';

export { loadRenderer, REPORT_FORMATS, type ReportFormat } from './formats.js';

const RENDERERS: Record<ReportFormat, (result: ScanResult, opts: RenderOptions) => string> = {
  text: renderText,
  json: renderJson,
  sarif: renderSarif,
  compact: renderCompact,
  github: renderGithub,
};

/**
 * The whole report as one string, ending in a newline unless it is empty (compact output with no
 * findings): write it to stdout as is.
 */
export function renderReport(format: ReportFormat, result: ScanResult, opts: RenderOptions): string {
  return RENDERERS[format](result, opts);
}

export type { RenderOptions, SourceReader } from './common.js';

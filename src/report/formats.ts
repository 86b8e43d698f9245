/** The output formats, and each one's renderer module, loaded when that format is asked for (see index.ts). */
import type { ScanResult } from '../scan-result.js';
import type { RenderOptions } from './common.js';

export type ReportFormat = 'text' | 'json' | 'sarif' | 'compact' | 'github';

export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif', 'compact', 'github'];

type Renderer = (result: ScanResult, opts: RenderOptions) => string;

/** The render function of one format; the command line loads only the one it prints. */
export async function loadRenderer(format: ReportFormat): Promise<Renderer> {
  switch (format) {
    case 'text':
      return (await import('./text.js')).render;
    case 'json':
      return (await import('./json.js')).render;
    case 'sarif':
      return (await import('./sarif.js')).render;
    case 'compact':
      return (await import('./compact.js')).render;
    case 'github':
      return (await import('./github.js')).render;
  }
}

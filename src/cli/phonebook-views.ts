import type { HttpClient } from '../client/http-client.js';
import { segment } from '../client/http-client.js';
import { CONTACT_FIELDS } from '../domain/contact.js';
import type { Io } from './cli-context.js';
import { CONNECTION_HELP, table } from './cli-context.js';
import type { BookSettings, PreviewView } from './phonebook-api.js';
import { skippedLines } from './phonebook-api.js';
import { SOURCE_HELP } from './source-options.js';
import type { SourceSpec } from './source-options.js';

/** `ctibook phonebook preview --help`. */
export const PREVIEW_HELP = `Usage: ctibook phonebook preview --kind KIND [source flags] [--mapping JSON]
                                 [--limit N] [--json]
  Tests a source before a book is made of it: connects, and prints its columns, the field
  mapping (the one proposed from the column names, or --mapping checked against them), the
  first N records (default 10, at most 100) as contacts, and rows it could not read.

${SOURCE_HELP}

${CONNECTION_HELP}`;

/** `ctibook phonebook settings --help`. */
export const SETTINGS_HELP = `Usage: ctibook phonebook settings NAME [--json]
  The settings of a book: kind, write protection, notes, the source (passwords masked by
  the server), the field mapping and the cache (sync) schedule.

${CONNECTION_HELP}`;

const CELL = 28;

/** `ctibook phonebook preview`. */
export async function previewCommand(
  client: HttpClient,
  io: Io,
  spec: SourceSpec,
  mapping: Record<string, string> | undefined,
  limit: number,
  json: boolean,
): Promise<number> {
  const preview = await client.send<PreviewView>('POST', '/api/v1/phonebooks/preview', {
    kind: spec.kind,
    source: spec.source,
    ...(mapping ? { mapping } : {}),
    limit,
  });
  if (json) {
    io.out(JSON.stringify(preview, null, 2));
    return 0;
  }
  const lines = [`Columns (${preview.columns.length}): ${preview.columns.join(', ')}`, ''];
  lines.push(mapping ? 'Mapping:' : 'Proposed mapping:', ...mappingLines(preview.mapping));
  const used = new Set(Object.values(preview.mapping).flatMap((v) => v.split(/\s+\+\s+/)));
  const rest = preview.columns.filter((c) => !used.has(c));
  if (rest.length > 0) lines.push(`  (to extra: ${rest.join(', ')})`);
  lines.push('', `First ${preview.records.length} records:`, recordTable(preview));
  if (preview.skipped.length > 0) {
    lines.push(
      '',
      'Rows that could not be read:',
      ...skippedLines(preview.skipped, preview.skipped.length),
    );
  }
  io.out(lines.join('\n'));
  return 0;
}

/** `ctibook phonebook settings NAME`. */
export async function settingsCommand(
  client: HttpClient,
  io: Io,
  name: string,
  json: boolean,
): Promise<number> {
  const settings = await client.get<BookSettings>(`/api/v1/phonebooks/${segment(name)}/settings`);
  if (json) {
    io.out(JSON.stringify(settings, null, 2));
    return 0;
  }
  const notes =
    typeof settings.notes === 'string' ? settings.notes : `memo:${settings.notes.memoColumn}`;
  const lines = [
    table([
      ['Kind', settings.kind],
      ['Access', settings.readOnly ? 'read-only' : 'read/write'],
      ['Notes', notes],
      ['Cache', cacheText(settings)],
    ]),
  ];
  if (settings.source) {
    lines.push('Source:');
    lines.push(
      indent(table(Object.entries(settings.source).map(([key, value]) => [key, valueText(value)]))),
    );
  }
  if (settings.mapping) lines.push('Mapping:', ...mappingLines(settings.mapping));
  io.out(lines.join('\n'));
  return 0;
}

function cacheText(settings: BookSettings): string {
  if (settings.kind === 'builtin' || settings.kind === 'local-numbers') return 'none (no source)';
  const cache = settings.cache;
  if (!cache) return 'changed records only, every 24 h, at startup (the default)';
  const mode = cache.mode === 'full' ? 'full re-read' : 'changed records only';
  return `${mode}, every ${cache.everyHours} h, at ${cache.at}`;
}

function mappingLines(mapping: Record<string, string>): string[] {
  const entries = Object.entries(mapping);
  if (entries.length === 0) return ['  (nothing mapped: every column goes to extra)'];
  return table(entries.map(([field, column]) => [`  ${field}`, `← ${column}`])).split('\n');
}

/** The records as a table: name, then each mapped contact field, cells cut to fit. */
function recordTable(preview: PreviewView): string {
  const fields = CONTACT_FIELDS.filter(
    (field) => field !== 'displayName' && preview.records.some((r) => r[field] !== undefined),
  );
  const rows = preview.records.map((record) => [
    record.displayName,
    ...fields.map((field) => valueText(record[field])),
  ]);
  if (rows.length === 0) return '  (none)';
  return table([['NAME', ...fields], ...rows].map((row) => row.map(cut)));
}

function valueText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function cut(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > CELL ? `${flat.slice(0, CELL - 1)}…` : flat;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

import { segment } from '../client/http-client.js';
import type { LookupResult } from '../directory/caller-lookup.js';
import type { Io } from './cli-context.js';
import { CONNECTION_HELP, UsageError, parse, withClient } from './cli-context.js';
import { help, print } from './admin-commands.js';

export const LOOKUP_HELP = `Usage: ctibook lookup NUMBER [--json]
  Who is calling: the number as the PBX delivers it, matched across your phone books.
  NUMBER may be typed with spaces (ctibook lookup 089 555666). Exit 1 for an unknown
  caller, with --json too.

${CONNECTION_HELP}`;

export async function lookupCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {});
  const number = positionals.join(' ');
  if (values.help) return help(io, LOOKUP_HELP);
  if (!number) throw new UsageError('Missing argument: lookup NUMBER');
  return withClient(values, io, async (client) => {
    const result = await client.get<LookupResult>(`/api/v1/lookup?number=${segment(number)}`);
    if (values.json) {
      print(io, result);
      return result.matches.length === 0 ? 1 : 0;
    }
    if (result.matches.length === 0) {
      io.out(`${result.input} (${result.normalized ?? 'unreadable'}): unknown caller`);
      return 1;
    }
    io.out(`${result.input} (${result.normalized}):`);
    for (const m of result.matches) {
      const company = m.company && m.company !== m.displayName ? `, ${m.company}` : '';
      io.out(`  ${m.displayName}${company}  [${m.match}: ${m.phonebook}, ${m.field} ${m.number}]`);
    }
    return 0;
  });
}

export const SEARCH_HELP = `Usage: ctibook search TEXT... [--limit N] [--json]
  Search names, companies, departments, e-mail, cities and numbers in your phone books.

${CONNECTION_HELP}`;

export async function searchCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { limit: { type: 'string' } });
  if (values.help) return help(io, SEARCH_HELP);
  const q = positionals.join(' ');
  if (!q) throw new UsageError('Missing argument: search TEXT');
  return withClient(values, io, async (client) => {
    const limit = values.limit ?? '20';
    const result = await client.get<{ items: Record<string, string | null>[]; total: number }>(
      `/api/v1/search?q=${segment(q)}&limit=${segment(limit)}`,
    );
    if (values.json) return print(io, result);
    for (const item of result.items) {
      const numbers = ['businessPhone', 'mobilePhone', 'homePhone', 'otherPhone']
        .map((f) => item[f])
        .filter(Boolean)
        .join(', ');
      const company = item.company && item.company !== item.displayName ? ` (${item.company})` : '';
      io.out(`${item.displayName}${company}  ${numbers}  [${item.phonebook}]`);
    }
    io.out(`${result.items.length} of ${result.total} shown`);
    return 0;
  });
}

import type {
  BooksAnswer,
  CallerMatch,
  Contact,
  LookupAnswer,
  SearchAnswer,
} from '../client/api-types.js';
import type { Io } from './cli-context.js';
import { table } from './cli-context.js';

const OFFLINE_NOTE = '(server unreachable: answered from the offline copy)';

export function printBooks(io: Io, answer: BooksAnswer): number {
  const rows = answer.books.map((b) => [
    b.name,
    b.kind,
    String(b.contactCount),
    ['read', b.rights.write ? 'write' : '', b.rights.offline ? 'offline' : '']
      .filter(Boolean)
      .join(' '),
    b.cached ? 'kept offline' : '',
  ]);
  io.out(table([['BOOK', 'KIND', 'CONTACTS', 'RIGHTS', ''], ...rows]));
  if (answer.offline) io.out(OFFLINE_NOTE);
  return 0;
}

export function printSearch(io: Io, answer: SearchAnswer): number {
  for (const item of answer.items) {
    const numbers = ['businessPhone', 'mobilePhone', 'homePhone', 'otherPhone']
      .map((f) => item[f])
      .filter(Boolean)
      .join(', ');
    const company = item.company && item.company !== item.displayName ? ` (${item.company})` : '';
    io.out(`${item.displayName}${company}  ${numbers}  [${item.phonebook} ${item.id}]`);
  }
  io.out(`${answer.items.length} of ${answer.total} shown`);
  if (answer.offline) io.out(OFFLINE_NOTE);
  return 0;
}

function matchLine(m: CallerMatch): string {
  const company = m.company && m.company !== m.displayName ? `, ${m.company}` : '';
  return `${m.displayName}${company}  [${m.match}: ${m.phonebook}, ${m.field} ${m.number}]`;
}

export function printLookup(io: Io, answer: LookupAnswer): number {
  const suffix = answer.offline ? `  ${OFFLINE_NOTE}` : '';
  if (answer.matches.length === 0) {
    io.out(`${answer.input} (${answer.normalized ?? 'unreadable'}): unknown caller${suffix}`);
    return 1;
  }
  io.out(`${answer.input} (${answer.normalized}):${suffix}`);
  for (const m of answer.matches) io.out(`  ${matchLine(m)}`);
  return 0;
}

export function printContact(io: Io, contact: Contact & { offline: boolean }): number {
  const { offline, extra, normalized: _n, ...fields } = contact;
  const rows = Object.entries(fields)
    .filter(([key, value]) => typeof value === 'string' && value !== '' && key !== 'etag')
    .map(([key, value]) => [key, String(value)]);
  for (const [key, value] of Object.entries(extra ?? {})) rows.push([`extra.${key}`, value]);
  io.out(table(rows));
  if (offline) io.out(OFFLINE_NOTE);
  else io.err(`ETag ${contact.etag}`);
  return 0;
}

/** What a CTI client shows when the phone rings. */
export function printCall(
  io: Io,
  shown: LookupAnswer & {
    caller: CallerMatch | null;
    contactNote: string | null;
    numberNote: string | null;
  },
): number {
  io.out(`Incoming call from ${shown.input}${shown.normalized ? ` (${shown.normalized})` : ''}`);
  const caller = shown.caller;
  if (!caller) io.out('  Caller:   unknown');
  else {
    io.out(`  Caller:   ${caller.displayName}`);
    if (caller.company) io.out(`  Company:  ${caller.company}`);
    io.out(
      `  Book:     ${caller.phonebook} (${caller.field} ${caller.number}, ${caller.match} match)`,
    );
    for (const other of shown.matches.slice(1)) io.out(`  Also:     ${matchLine(other)}`);
  }
  if (shown.offline) {
    io.out(`  Notes:    not available offline`);
    io.out(`  ${OFFLINE_NOTE}`);
  } else {
    io.out(`  Note:     ${shown.contactNote ?? '(none)'}`);
    io.out(`  Number note: ${shown.numberNote ?? '(none)'}`);
  }
  return caller ? 0 : 1;
}

import type { Entry, Filter, SearchOptions, SearchResult } from 'ldapts';
import { AndFilter, Client, EqualityFilter, FilterParser, ResultCodeError } from 'ldapts';
import type { CtibookError } from '../../domain/errors.js';
import type {
  SkippedRow,
  SourceCapabilities,
  SourceConnector,
  SourceRow,
} from '../source-connector.js';
import type { SourceFileRules } from '../source-file.js';
import type { LdapSourceConfig } from './ldap-config.js';
import {
  attributeValue,
  binaryAttributeNames,
  entryValues,
  guidToBytes,
  isGuidAttribute,
} from './ldap-entry.js';
import type { CreateLdapClient, LdapClient } from './connect-ldap.js';
import { connectLdap, ldapErrorContext, referralOf } from './connect-ldap.js';
import type { LdapErrorContext } from './ldap-errors.js';
import { translateLdapError } from './ldap-errors.js';
import { changedSinceFilter, idFilter, normalizeFilter } from './ldap-filter.js';

/** What an {@link LdapSource} is made from: validated settings, and optionally a client maker. */
export interface LdapSourceOptions {
  config: LdapSourceConfig;
  /** Makes a client for one connection; ldapts' `Client` by default. */
  createClient?: CreateLdapClient;
  /** Which files `caFile` may name (see `openSourceFile`). */
  files?: SourceFileRules | undefined;
}

/** The attribute `readChanged` compares; OpenLDAP and Active Directory both keep it. */
const MODIFIED_ATTRIBUTE = 'modifyTimestamp';
/** Entries `columns()` looks at to learn the attribute names. */
const SAMPLE_SIZE = 20;

/**
 * `kind: ldap`: people in an LDAP directory (OpenLDAP, Active Directory), read-only.
 *
 * The constructor does no I/O. `open()` connects (ldaps:// or StartTLS with the CA in
 * `caFile`, read then), binds (anonymously without `bindDn`) and checks that the base DN
 * exists. Each paged read (`readAll`, `readChanged`, `readIds`) runs on a connection of
 * its own, because a server keeps one Simple Paged Results state per connection; `readOne`
 * and `columns` share the connection `open()` made, re-made when the server dropped it.
 *
 * Rows carry the id attribute's value as `id`, the entry's DN as `at` and `values.dn`, and
 * the attributes as strings (see `ldap-entry.ts`). Every error is a `CtibookError` (see
 * `translateLdapError`) with the ldapts error as `cause`, and never the bind password.
 */
export class LdapSource implements SourceConnector {
  readonly capabilities: SourceCapabilities = Object.freeze({
    write: false,
    changedSince: true,
    readOne: true,
  });

  readonly #config: LdapSourceConfig;
  readonly #createClient: CreateLdapClient;
  readonly #files: SourceFileRules | undefined;
  readonly #filter: string;
  readonly #attributes: string[];
  #session: Promise<LdapClient> | undefined;
  readonly #readers = new Set<LdapClient>();

  constructor(options: LdapSourceOptions) {
    this.#config = options.config;
    this.#createClient = options.createClient ?? ((clientOptions) => new Client(clientOptions));
    this.#files = options.files;
    this.#filter = normalizeFilter(options.config.filter);
    this.#attributes = [...new Set(['*', options.config.idAttribute, MODIFIED_ATTRIBUTE])];
  }

  /** Connects, binds and checks the base DN. @throws CtibookError `SOURCE_*` */
  async open(): Promise<void> {
    await this.#connected();
  }

  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    const clients = [...this.#readers];
    this.#readers.clear();
    const main = await session?.catch(() => undefined);
    if (main) clients.push(main);
    await Promise.all(clients.map((client) => client.unbind().catch(() => undefined)));
  }

  /** `dn`, the id attribute, and the attributes of the first entries. */
  async columns(): Promise<string[]> {
    const client = await this.#connected();
    const { searchEntries } = await this.#search(client, {
      filter: this.#filter,
      attributes: this.#attributes,
      sizeLimit: SAMPLE_SIZE,
    });
    const names = new Set<string>(['dn']);
    const id = this.#config.idAttribute.toLowerCase();
    for (const entry of searchEntries) {
      for (const name of Object.keys(entryValues(entry))) {
        if (name.toLowerCase() === id) names.add(name);
      }
    }
    if (names.size === 1) names.add(this.#config.idAttribute);
    for (const entry of searchEntries) {
      for (const name of Object.keys(entryValues(entry))) names.add(name);
    }
    return [...names];
  }

  /**
   * Every entry the filter selects under the base DN, page by page. Entries without the id
   * attribute, a repeated id, and search references to other servers (not followed) are
   * reported to `skip`.
   */
  readAll(skip: (row: SkippedRow) => void): AsyncIterable<SourceRow> {
    return this.#rows(this.#filter, skip);
  }

  /**
   * Entries with `modifyTimestamp` at or after `since`, compared at whole seconds in UTC on
   * the server's clock: pass a `since` a little before the previous sync started. Deleted
   * entries do not show here; compare {@link readIds} for those.
   */
  readChanged(since: Date, skip: (row: SkippedRow) => void): AsyncIterable<SourceRow> {
    return this.#rows(changedSinceFilter(this.#config.filter, since), skip);
  }

  async *readIds(): AsyncIterable<string> {
    const seen = new Set<string>();
    for await (const entries of this.#pages(this.#filter, [this.#config.idAttribute])) {
      for (const entry of entries) {
        const id = attributeValue(entry, this.#config.idAttribute);
        if (id === undefined || seen.has(id)) continue;
        seen.add(id);
        yield id;
      }
    }
  }

  /** The entry whose id attribute equals `id` (escaped, never read as filter syntax). */
  async readOne(id: string): Promise<SourceRow | undefined> {
    const filter = this.#idFilter(id);
    if (filter === undefined) return undefined;
    const client = await this.#connected();
    const { searchEntries } = await this.#search(client, {
      filter,
      attributes: this.#attributes,
      sizeLimit: 2,
    });
    for (const entry of searchEntries) {
      const found = attributeValue(entry, this.#config.idAttribute);
      if (found !== undefined) return { id: found, values: entryValues(entry), at: entry.dn };
    }
    return undefined;
  }

  #idFilter(id: string): Filter | string | undefined {
    const { idAttribute } = this.#config;
    if (id === '') return undefined;
    if (!isGuidAttribute(idAttribute)) return idFilter(this.#filter, idAttribute, id);
    // A binary GUID must travel as bytes: ldapts would re-encode `\hh` escapes as UTF-8.
    const bytes = guidToBytes(id);
    if (!bytes) return undefined;
    return new AndFilter({
      filters: [
        FilterParser.parseString(this.#filter),
        new EqualityFilter({ attribute: idAttribute, value: bytes }),
      ],
    });
  }

  async *#rows(filter: string, skip: (row: SkippedRow) => void): AsyncGenerator<SourceRow> {
    const { idAttribute } = this.#config;
    const seen = new Map<string, string>();
    const references = (url: string): void =>
      skip({ at: url, reason: 'search reference to another server (referral); not followed' });
    for await (const entries of this.#pages(filter, this.#attributes, references)) {
      for (const entry of entries) {
        const id = attributeValue(entry, idAttribute);
        if (id === undefined || id === '') {
          skip({ at: entry.dn, reason: `no ${idAttribute} attribute` });
          continue;
        }
        const first = seen.get(id);
        if (first !== undefined) {
          skip({ at: entry.dn, reason: `duplicate ${idAttribute} ${id} (first at ${first})` });
          continue;
        }
        seen.set(id, entry.dn);
        yield { id, values: entryValues(entry), at: entry.dn };
      }
    }
  }

  /** One paged search on a connection of its own, closed when the caller stops reading. */
  async *#pages(
    filter: string,
    attributes: string[],
    onReference?: (url: string) => void,
  ): AsyncGenerator<Entry[]> {
    const client = await connectLdap(this.#config, this.#createClient, this.#files);
    this.#readers.add(client);
    try {
      const pages = client.searchPaginated(this.#config.baseDn, {
        ...this.#searchOptions(filter, attributes),
        paged: { pageSize: this.#config.pageSize },
      });
      for (;;) {
        let page: IteratorResult<SearchResult>;
        try {
          page = await pages.next();
        } catch (error) {
          throw await this.#translate(error, 'search', client);
        }
        if (page.done) break;
        for (const url of page.value.searchReferences) onReference?.(url);
        yield page.value.searchEntries;
      }
    } finally {
      this.#readers.delete(client);
      await client.unbind().catch(() => undefined);
    }
  }

  async #search(
    client: LdapClient,
    options: Pick<SearchOptions, 'filter' | 'attributes' | 'sizeLimit'>,
  ): Promise<SearchResult> {
    try {
      return await client.search(this.#config.baseDn, {
        ...this.#searchOptions(options.filter ?? this.#filter, options.attributes ?? []),
        sizeLimit: options.sizeLimit ?? 0,
      });
    } catch (error) {
      throw await this.#translate(error, 'search', client);
    }
  }

  #searchOptions(filter: Filter | string, attributes: string[]): SearchOptions {
    return {
      scope: this.#config.scope,
      filter,
      attributes,
      explicitBufferAttributes: binaryAttributeNames(),
      derefAliases: 'never',
    };
  }

  /** The shared connection, made (and the base DN checked) when there is none or it dropped. */
  async #connected(): Promise<LdapClient> {
    const current = this.#session;
    if (current) {
      const client = await current.catch(() => undefined);
      if (client?.isConnected) return client;
      if (this.#session === current) this.#session = undefined;
    }
    const opening = connectLdap(this.#config, this.#createClient, this.#files).then(
      async (client) => {
        try {
          await client.search(this.#config.baseDn, { scope: 'base', attributes: ['1.1'] });
          return client;
        } catch (error) {
          const failure = await this.#translate(error, 'search', client);
          await client.unbind().catch(() => undefined);
          throw failure;
        }
      },
    );
    this.#session = opening;
    try {
      return await opening;
    } catch (error) {
      if (this.#session === opening) this.#session = undefined;
      throw error;
    }
  }

  /** Translates an error; for a referral, first looks up where it points. */
  async #translate(
    error: unknown,
    stage: LdapErrorContext['stage'],
    client: LdapClient,
  ): Promise<CtibookError> {
    const referral =
      error instanceof ResultCodeError && error.code === 10
        ? await referralOf(client, this.#config.baseDn)
        : undefined;
    return translateLdapError(error, ldapErrorContext(this.#config, stage, referral));
  }
}

import { IdList } from '../domain/id-list.js';

/** A source's records in record order, as a sync stores them with the copy. */
export interface RecordList {
  /** Whatever the raw hashes depend on (file format, header, mapping); see `readRecords`. */
  fingerprint: string;
  /** Two 32-bit hashes of each record's raw bytes; empty when unknown. */
  rawHashes: Uint32Array;
  /** Content hash of the contact each record became (as the copy stores it). */
  contentHashes: Uint32Array;
  /** The contact id of each record (unique). */
  ids: IdList;
  /** The ids are those of the known list the read started from, in order. */
  sameIds?: boolean;
}

/**
 * The records of a source as the cached copy holds them, from the end of the last sync: each
 * record's contact id and content hash, and (for a file source) two 32-bit hashes of its raw
 * bytes, in record order. A changed-only sync hands it to the connector, which skips every
 * record whose bytes it finds here (see `SourceConnector.readRecords`) and marks which
 * records' ids it met, so duplicates and deletions are found without a map of every id.
 */
export class KnownRecords {
  readonly fingerprint: string;
  /** 2 per record; empty when the raw hashes are unknown (only ids and content hashes). */
  readonly rawHashes: Uint32Array;
  readonly contentHashes: Uint32Array;
  readonly ids: IdList;
  /** Per record: the line of the record that took its id in this read (0: none yet). */
  readonly #taken: Int32Array;
  #table: Int32Array | undefined;
  #byId: Map<string, number> | undefined;
  /** Where the next record is expected: records rarely move. */
  #cursor = 0;

  constructor(options: RecordList) {
    this.fingerprint = options.fingerprint;
    this.rawHashes = options.rawHashes;
    this.contentHashes = options.contentHashes;
    this.ids = options.ids;
    this.#taken = new Int32Array(options.ids.length);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Whether the raw hashes can be matched (known and taken with this `fingerprint`). */
  matches(fingerprint: string): boolean {
    return this.rawHashes.length > 0 && this.fingerprint === fingerprint;
  }

  /** The record whose raw bytes hashed to (h1, h2), or -1: first where expected, else any. */
  find(h1: number, h2: number): number {
    const hashes = this.rawHashes;
    const at = this.#cursor;
    if (at < this.size && hashes[2 * at] === h1 && hashes[2 * at + 1] === h2) return at;
    const table = (this.#table ??= this.#buildTable());
    const mask = table.length - 1;
    for (let slot = h1 & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot] as number;
      if (entry === 0) return -1;
      const index = entry - 1;
      if (hashes[2 * index] === h1 && hashes[2 * index + 1] === h2) return index;
    }
  }

  /** The record with this contact id, or -1 (ids are unique in the list). */
  indexOfId(id: string, near = this.#cursor): number {
    // A changed record usually sits where its old version was.
    for (const guess of [near - 1, near, near + 1]) {
      if (this.ids.is(guess, id)) return guess;
    }
    if (!this.#byId) {
      this.#byId = new Map();
      for (let index = 0; index < this.size; index++) this.#byId.set(this.ids.at(index), index);
    }
    return this.#byId.get(id) ?? -1;
  }

  /** Line of the record that took this record's id in this read, or 0. */
  takenBy(index: number): number {
    return this.#taken[index] as number;
  }

  /** Marks record `index`'s id as met on `line`; the next record is expected after it. */
  take(index: number, line: number): void {
    this.#taken[index] = line;
    this.#cursor = index + 1;
  }

  /** Open addressing on h1, about half full: the record's index + 1 in each used slot. */
  #buildTable(): Int32Array {
    let capacity = 16;
    while (capacity < this.size * 2) capacity *= 2;
    const table = new Int32Array(capacity);
    const mask = capacity - 1;
    const hashes = this.rawHashes;
    for (let index = 0; index < this.size; index++) {
      let slot = (hashes[2 * index] as number) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = index + 1;
    }
    return table;
  }
}

/**
 * Collects the records of a read, in order, into the list the next sync starts from. While
 * the ids come in the order of `known` (the usual case) they are not copied.
 */
export class RecordListBuilder {
  readonly #known: KnownRecords | undefined;
  #raw: Uint32Array;
  #content: Uint32Array;
  #count = 0;
  /** Undefined while every id so far is `known`'s at the same position. */
  #ids: string[] | undefined;

  constructor(known?: KnownRecords) {
    this.#known = known;
    const expected = Math.max((known?.size ?? 0) + 1024, 16);
    this.#raw = new Uint32Array(2 * expected);
    this.#content = new Uint32Array(expected);
    if (!known) this.#ids = [];
  }

  add(rawHash: readonly [number, number], contentHash: number, id: string): void {
    const at = this.#count;
    this.#reserve(at + 1);
    this.#raw[2 * at] = rawHash[0];
    this.#raw[2 * at + 1] = rawHash[1];
    this.#content[at] = contentHash;
    if (!this.#ids && this.#known?.ids.is(at, id) !== true) this.#ids = this.#knownIds(at);
    this.#ids?.push(id);
    this.#count++;
  }

  /** Appends `count` records of `known` from `index` on (unchanged records). */
  addKnown(known: KnownRecords, index: number, count: number): void {
    const at = this.#count;
    this.#reserve(at + count);
    this.#raw.set(known.rawHashes.subarray(2 * index, 2 * (index + count)), 2 * at);
    this.#content.set(known.contentHashes.subarray(index, index + count), at);
    if (!this.#ids && (known !== this.#known || index !== at)) {
      this.#ids = this.#knownIds(at);
    }
    if (this.#ids) for (let i = index; i < index + count; i++) this.#ids.push(known.ids.at(i));
    this.#count += count;
  }

  build(fingerprint: string): RecordList {
    const count = this.#count;
    const known = this.#known;
    const sameIds = this.#ids === undefined && known !== undefined && count === known.size;
    return {
      fingerprint,
      rawHashes: this.#raw.subarray(0, 2 * count),
      contentHashes: this.#content.subarray(0, count),
      // Known ids in order but fewer of them (records gone at the end): the first `count`.
      ids: this.#ids
        ? IdList.of(this.#ids)
        : sameIds
          ? (known?.ids ?? IdList.of([]))
          : IdList.of(this.#knownIds(count)),
      sameIds,
    };
  }

  /** The first `count` ids of `known`, as strings (once the ids go their own way). */
  #knownIds(count: number): string[] {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(this.#known?.ids.at(i) ?? '');
    return ids;
  }

  #reserve(count: number): void {
    if (count <= this.#content.length) return;
    const capacity = Math.max(count, 2 * this.#content.length);
    const raw = new Uint32Array(2 * capacity);
    raw.set(this.#raw);
    const content = new Uint32Array(capacity);
    content.set(this.#content);
    this.#raw = raw;
    this.#content = content;
  }
}

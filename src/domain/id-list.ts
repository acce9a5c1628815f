/** The separator of ids in {@link IdList.text}: a NUL never survives into a record's id. */
const SEPARATOR = '\u0000';

/**
 * A long list of ids kept as one string and the end of each id in it: a million ids read
 * from the store cost one string instead of a million objects for the garbage collector.
 */
export class IdList {
  /** The ids joined by NUL (as stored). */
  readonly text: string;
  readonly #ends: Uint32Array;

  private constructor(text: string, ends: Uint32Array) {
    this.text = text;
    this.#ends = ends;
  }

  static of(ids: readonly string[]): IdList {
    const ends = new Uint32Array(ids.length);
    let end = 0;
    ids.forEach((id, i) => {
      end += id.length + (i > 0 ? 1 : 0);
      ends[i] = end;
    });
    return new IdList(ids.join(SEPARATOR), ends);
  }

  /** The list of {@link text}; `count` ids are expected (undefined when they are not there). */
  static parse(text: string, count: number): IdList | undefined {
    if (count === 0) return text === '' ? new IdList('', new Uint32Array(0)) : undefined;
    const ends = new Uint32Array(count);
    let at = -1;
    for (let i = 0; i < count - 1; i++) {
      at = text.indexOf(SEPARATOR, at + 1);
      if (at < 0) return undefined;
      ends[i] = at;
    }
    if (text.indexOf(SEPARATOR, at + 1) >= 0) return undefined;
    ends[count - 1] = text.length;
    return new IdList(text, ends);
  }

  get length(): number {
    return this.#ends.length;
  }

  at(index: number): string {
    return this.text.slice(this.#start(index), this.#ends[index]);
  }

  /** Whether id `index` is `id`, without making a string of it. */
  is(index: number, id: string): boolean {
    if (index < 0 || index >= this.length) return false;
    const start = this.#start(index);
    return (this.#ends[index] as number) - start === id.length && this.text.startsWith(id, start);
  }

  toArray(): string[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }

  #start(index: number): number {
    return index === 0 ? 0 : (this.#ends[index - 1] as number) + 1;
  }
}

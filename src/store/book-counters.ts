import type { Statement } from 'better-sqlite3';

/**
 * The change sequence and contact-count delta of each book written in one transaction:
 * the stored `seq` read once, counted up in memory, both written back by {@link flush}.
 */
export class BookCounters {
  readonly #seqOf: Statement;
  readonly #books = new Map<number, { seq: number; added: number }>();

  constructor(seqOf: Statement) {
    this.#seqOf = seqOf;
  }

  /** The next change sequence number of the book (its stored `seq` + 1 on first use). */
  nextSeq(bookId: number): number {
    const book = this.#book(bookId);
    book.seq++;
    return book.seq;
  }

  added(bookId: number, count: number): void {
    this.#book(bookId).added += count;
  }

  /** Writes every touched book's `seq` and count; call it last in the transaction. */
  flush(setSeqAndCount: Statement): void {
    for (const [bookId, { seq, added }] of this.#books) setSeqAndCount.run(seq, added, bookId);
  }

  #book(bookId: number): { seq: number; added: number } {
    let book = this.#books.get(bookId);
    if (!book) {
      const seq = (this.#seqOf.pluck().get(bookId) as number | undefined) ?? 0;
      book = { seq, added: 0 };
      this.#books.set(bookId, book);
    }
    return book;
  }
}

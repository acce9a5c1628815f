import type { LocationSettings, NumberNormalizer } from '../domain/phone-number.js';
import {
  DEFAULT_LOCATION,
  createNumberNormalizer,
  validateLocation,
} from '../domain/phone-number.js';
import { CtibookError } from '../domain/errors.js';
import type { ContactStore } from '../store/contact-store.js';
import { prepareContact } from '../store/contact-rows.js';
import type { SettingsStore } from '../store/phonebook-store.js';
import type { NoteStore } from '../notes/note-store.js';

const KEY = 'location';
/** The location that the stored number keys and number notes were last derived with. */
const INDEXED_KEY = 'location.indexed';
const BATCH = 2000;

/**
 * The site's location settings and the number normaliser made from them. Changing them
 * re-keys every stored number and every number note from the numbers as written, so no
 * match and no note is lost when the canonical forms move. Changes are applied one at a
 * time; a re-keying cut short by a crash is finished on the next start.
 */
export class LocationService {
  readonly #settings: SettingsStore;
  readonly #contacts: ContactStore;
  readonly #notes: NoteStore;
  #normalizer: NumberNormalizer;
  /** The change being applied; the next one waits for it. */
  #applying: Promise<unknown> = Promise.resolve();
  /** Changes saved or waiting whose re-keying has not finished. */
  #pending = 0;

  constructor(settings: SettingsStore, contacts: ContactStore, notes: NoteStore) {
    this.#settings = settings;
    this.#contacts = contacts;
    this.#notes = notes;
    const location = this.get();
    this.#normalizer = createNumberNormalizer(location);
    const indexed = settings.get<Partial<LocationSettings>>(INDEXED_KEY);
    if (indexed === undefined) {
      settings.set(INDEXED_KEY, location);
    } else if (!sameLocation({ ...DEFAULT_LOCATION, ...indexed }, location)) {
      // The last change was saved but its re-keying did not finish: finish it before serving.
      this.#reindexNow();
      this.#rekeyNotes(this.#normalizer);
      settings.set(INDEXED_KEY, location);
    }
  }

  get(): LocationSettings {
    return { ...DEFAULT_LOCATION, ...this.#settings.get<Partial<LocationSettings>>(KEY) };
  }

  get normalizer(): NumberNormalizer {
    return this.#normalizer;
  }

  /**
   * Whether every stored number key was derived with {@link normalizer}'s settings (no
   * change is being applied): only then may stored keys stand in for normalising again.
   */
  get keysCurrent(): boolean {
    return this.#pending === 0;
  }

  /**
   * Saves new settings and re-indexes the store in batches, yielding to the event loop
   * between them so lookups go on. A change made while another is applied waits for it.
   * @throws CtibookError VALIDATION_FAILED listing every bad field.
   */
  async set(location: LocationSettings): Promise<{ reindexed: number; notesMoved: number }> {
    const problems = validateLocation(location);
    if (problems.length > 0) {
      throw new CtibookError('VALIDATION_FAILED', problems.join('; '), { problems });
    }
    this.#pending++;
    const applied = this.#applying.then(() => this.#apply(location)).finally(() => this.#pending--);
    this.#applying = applied.catch(() => undefined);
    return applied;
  }

  async #apply(location: LocationSettings): Promise<{ reindexed: number; notesMoved: number }> {
    const normalizer = createNumberNormalizer(location);
    this.#settings.set(KEY, location);
    this.#normalizer = normalizer;
    const reindexed = await this.reindex();
    const notesMoved = this.#rekeyNotes(normalizer);
    this.#settings.set(INDEXED_KEY, location);
    return { reindexed, notesMoved };
  }

  /** Re-derives number keys and search text of every contact with the current settings. */
  async reindex(): Promise<number> {
    let total = 0;
    for (let batch = this.#reindexAfter(0); batch; batch = this.#reindexAfter(batch.last)) {
      total += batch.count;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }

  /** Re-indexes every contact at once (start-up only). */
  #reindexNow(): void {
    // One transaction per batch keeps the write-ahead log small.
    let batch = this.#reindexAfter(0);
    while (batch) batch = this.#reindexAfter(batch.last);
  }

  /** Re-indexes the batch of contacts after rowid `after`; undefined when none is left. */
  #reindexAfter(after: number): { last: number; count: number } | undefined {
    const batch = this.#contacts.rowidsAfter(after, BATCH);
    const last = batch.at(-1);
    if (!last) return undefined;
    const normalizer = this.#normalizer;
    this.#contacts.reindex(
      batch.map((c) => ({
        rowid: c.rowid,
        bookId: c.bookId,
        contact: prepareContact(c.id, c.data, normalizer),
      })),
    );
    return { last: last.rowid, count: batch.length };
  }

  #rekeyNotes(normalizer: NumberNormalizer): number {
    return this.#notes.rekeyNumberNotes((raw) => normalizer.normalize(raw)?.canonical);
  }
}

/** Whether two locations read every number alike. */
function sameLocation(a: LocationSettings, b: LocationSettings): boolean {
  return (Object.keys(DEFAULT_LOCATION) as (keyof LocationSettings)[]).every(
    (key) => a[key] === b[key],
  );
}

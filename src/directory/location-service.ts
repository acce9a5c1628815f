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
const BATCH = 2000;

/**
 * The site's location settings and the number normaliser made from them. Changing them
 * re-keys every stored number and every number note from the numbers as written, so no
 * match and no note is lost when the canonical forms move.
 */
export class LocationService {
  readonly #settings: SettingsStore;
  readonly #contacts: ContactStore;
  readonly #notes: NoteStore;
  #normalizer: NumberNormalizer;

  constructor(settings: SettingsStore, contacts: ContactStore, notes: NoteStore) {
    this.#settings = settings;
    this.#contacts = contacts;
    this.#notes = notes;
    this.#normalizer = createNumberNormalizer(this.get());
  }

  get(): LocationSettings {
    return { ...DEFAULT_LOCATION, ...this.#settings.get<Partial<LocationSettings>>(KEY) };
  }

  get normalizer(): NumberNormalizer {
    return this.#normalizer;
  }

  /**
   * Saves new settings and re-indexes the store in batches, yielding to the event loop
   * between them so lookups go on.
   * @throws CtibookError VALIDATION_FAILED listing every bad field.
   */
  async set(location: LocationSettings): Promise<{ reindexed: number; notesMoved: number }> {
    const problems = validateLocation(location);
    if (problems.length > 0) {
      throw new CtibookError('VALIDATION_FAILED', problems.join('; '), { problems });
    }
    const normalizer = createNumberNormalizer(location);
    this.#settings.set(KEY, location);
    this.#normalizer = normalizer;
    const reindexed = await this.reindex();
    const notesMoved = this.#notes.rekeyNumberNotes((raw) => normalizer.normalize(raw)?.canonical);
    return { reindexed, notesMoved };
  }

  /** Re-derives number keys and search text of every contact with the current settings. */
  async reindex(): Promise<number> {
    let after = 0;
    let total = 0;
    for (;;) {
      const batch = this.#contacts.rowidsAfter(after, BATCH);
      if (batch.length === 0) return total;
      const normalizer = this.#normalizer;
      this.#contacts.reindex(
        batch.map((c) => ({
          rowid: c.rowid,
          bookId: c.bookId,
          contact: prepareContact(c.id, c.data, normalizer),
        })),
      );
      total += batch.length;
      after = batch.at(-1)?.rowid ?? after;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

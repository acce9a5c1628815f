import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FolderConfig } from './folder-config.js';

const SECTION = 'Phonebook';

/**
 * The server's home directory, laid out as the seed's configuration directory:
 * `folders/<Name>/cfg/folder_cfg.ini`, `folders/<Name>/notes/`, `trash/folders/`, and
 * the store file `ctibook.db`.
 */
export class Home {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get storeFile(): string {
    return join(this.root, 'ctibook.db');
  }

  get foldersDir(): string {
    return join(this.root, 'folders');
  }

  get trashDir(): string {
    return join(this.root, 'trash', 'folders');
  }

  /** Files the server writes for a moment (book snapshots on their way to a client). */
  get tmpDir(): string {
    return join(this.root, 'tmp');
  }

  get initialPasswordFile(): string {
    return join(this.root, 'initial-admin-password');
  }

  /** Held by the server running on this home, with its process id (see `HomeLock`). */
  get lockFile(): string {
    return join(this.root, 'server.lock');
  }

  /**
   * Creates the home (mode 0700) and the directories of the layout (idempotent). A home that
   * existed with access for group or others loses it: it holds the store and passwords.
   */
  ensureLayout(): void {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    if ((statSync(this.root).mode & 0o077) !== 0) {
      try {
        chmodSync(this.root, 0o700);
      } catch (error) {
        // Not ours to change (an operator's shared directory): the files that matter are 0600.
        if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
      }
    }
    mkdirSync(this.foldersDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.trashDir, { recursive: true, mode: 0o700 });
  }

  bookDir(name: string): string {
    return join(this.foldersDir, name);
  }

  configFile(name: string): string {
    return join(this.bookDir(name), 'cfg', 'folder_cfg.ini');
  }

  notesDir(name: string): string {
    return join(this.bookDir(name), 'notes');
  }

  /** Creates a book's folder with `cfg/` and `notes/` and writes its settings. */
  createBookFolder(name: string, settings: Record<string, string>): void {
    mkdirSync(join(this.bookDir(name), 'cfg'), { recursive: true, mode: 0o700 });
    mkdirSync(this.notesDir(name), { recursive: true, mode: 0o700 });
    this.writeBookSettings(name, settings);
  }

  readBookConfig(name: string): FolderConfig {
    const file = this.configFile(name);
    return existsSync(file) ? FolderConfig.read(file) : FolderConfig.empty();
  }

  /** Sets keys of the book's `[Phonebook]` section, keeping every other line. */
  writeBookSettings(name: string, settings: Record<string, string>): void {
    const config = this.readBookConfig(name);
    for (const [key, value] of Object.entries(settings)) config.set(SECTION, key, value);
    config.write(this.configFile(name));
  }

  readBookSetting(name: string, key: string): string | undefined {
    return this.readBookConfig(name).get(SECTION, key);
  }

  renameBookFolder(from: string, to: string): void {
    renameSync(this.bookDir(from), this.bookDir(to));
  }

  /**
   * Moves a book's folder into the trash under `<Name>@<time>`, never over an earlier
   * entry. Returns the trash entry's name.
   */
  moveToTrash(name: string, now: Date): string {
    mkdirSync(this.trashDir, { recursive: true, mode: 0o700 });
    const stamp = now.toISOString().replace(/[:.]/g, '-');
    let entry = `${name}@${stamp}`;
    for (let n = 2; existsSync(join(this.trashDir, entry)); n++) entry = `${name}@${stamp}-${n}`;
    renameSync(this.bookDir(name), join(this.trashDir, entry));
    return entry;
  }

  /** The trash entries, each deleted at the time in its name (else its folder's mtime). */
  trashEntries(): { entry: string; deletedAt: Date }[] {
    if (!existsSync(this.trashDir)) return [];
    return readdirSync(this.trashDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => ({
        entry: d.name,
        deletedAt: stampOf(d.name) ?? statSync(join(this.trashDir, d.name)).mtime,
      }));
  }

  trashEntryDir(entry: string): string {
    return join(this.trashDir, entry);
  }
}

const TRASH_STAMP = /@(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z(?:-\d+)?$/;

/** The deletion time `moveToTrash` put into an entry's name. */
function stampOf(entry: string): Date | undefined {
  const m = TRASH_STAMP.exec(entry);
  if (!m) return undefined;
  const date = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

/**
 * A `folder_cfg.ini` as the seed writes it: `[Section]` headers and `Key=Value` lines.
 * Unknown sections, keys and comments survive a rewrite, so admins' own lines are kept.
 */
export class FolderConfig {
  readonly #lines: string[];

  private constructor(lines: string[]) {
    this.#lines = lines;
  }

  static parse(text: string): FolderConfig {
    return new FolderConfig(text.replace(/^\uFEFF/, '').split(/\r?\n/));
  }

  static empty(): FolderConfig {
    return new FolderConfig([]);
  }

  static read(file: string): FolderConfig {
    return FolderConfig.parse(readFileSync(file, 'utf8'));
  }

  get(section: string, key: string): string | undefined {
    const index = this.#find(section, key);
    if (index < 0) return undefined;
    const line = this.#lines[index] ?? '';
    return line.slice(line.indexOf('=') + 1).trim();
  }

  set(section: string, key: string, value: string): void {
    if (/[\r\n]/.test(value)) throw new Error(`folder_cfg.ini: ${key} must be a single line`);
    const index = this.#find(section, key);
    if (index >= 0) {
      this.#lines[index] = `${key}=${value}`;
      return;
    }
    let header = this.#lines.findIndex((line) => sectionOf(line) === section.toLowerCase());
    if (header < 0) {
      while (this.#lines.length > 0 && this.#lines.at(-1) === '') this.#lines.pop();
      if (this.#lines.length > 0) this.#lines.push('');
      this.#lines.push(`[${section}]`);
      header = this.#lines.length - 1;
    }
    let end = header + 1;
    while (end < this.#lines.length && sectionOf(this.#lines[end] ?? '') === undefined) end++;
    while (end > header + 1 && (this.#lines[end - 1] ?? '').trim() === '') end--;
    this.#lines.splice(end, 0, `${key}=${value}`);
  }

  toString(): string {
    const text = this.#lines.join('\n');
    return text.endsWith('\n') ? text : `${text}\n`;
  }

  /** Writes atomically: temp file, fsync, rename. */
  write(file: string, mode = 0o600): void {
    writeFileAtomic(file, this.toString(), mode);
  }

  #find(section: string, key: string): number {
    let current: string | undefined;
    const wanted = section.toLowerCase();
    const wantedKey = key.toLowerCase();
    for (let i = 0; i < this.#lines.length; i++) {
      const line = this.#lines[i] ?? '';
      const header = sectionOf(line);
      if (header !== undefined) {
        current = header;
        continue;
      }
      if (current !== wanted || /^\s*[;#]/.test(line)) continue;
      const eq = line.indexOf('=');
      if (eq > 0 && line.slice(0, eq).trim().toLowerCase() === wantedKey) return i;
    }
    return -1;
  }
}

function sectionOf(line: string): string | undefined {
  const match = /^\s*\[([^\]]+)\]\s*$/.exec(line);
  return match?.[1]?.trim().toLowerCase();
}

/** Writes a file so that readers see the old or the new content, never a torn one. */
export function writeFileAtomic(file: string, content: string | Buffer, mode = 0o600): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', mode);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CtibookError } from '../domain/errors.js';
import type { SourceConnector } from '../sources/source-connector.js';
import { Home } from '../store/home.js';
import type { PhonebookRecord } from '../store/phonebook-store.js';
import { SourceConnections } from './source-connections.js';

/** A stand-in source that records what is done to it. */
class RecordingSource implements SourceConnector {
  readonly capabilities = { write: true, changedSince: false, readOne: true };
  readonly log: string[] = [];
  failOpen = false;
  assumed: string | undefined;

  async open(): Promise<void> {
    this.log.push('open');
    if (this.failOpen) throw new CtibookError('SOURCE_UNAVAILABLE', 'down');
  }
  async close(): Promise<void> {
    this.log.push('close');
  }
  async columns(): Promise<string[]> {
    return [];
  }
  async *readAll(): AsyncIterable<never> {
    // nothing
  }
  assumeVersion(version: string): void {
    this.assumed = version;
  }
}

function book(name: string, source: Record<string, unknown> = { path: '/x' }): PhonebookRecord {
  return {
    id: 1,
    name,
    kind: 'csv',
    config: { readOnly: false, notes: 'none', source },
    seq: 0,
    resetSeq: 0,
    createdAt: '',
  };
}

describe('SourceConnections', () => {
  let dir: string;
  let home: Home;
  let made: RecordingSource[];
  let connections: SourceConnections;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-connections-'));
    home = new Home(dir);
    home.ensureLayout();
    made = [];
    connections = new SourceConnections({
      home,
      create: () => {
        const source = new RecordingSource();
        made.push(source);
        return source;
      },
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens one connector per book once and shares it', async () => {
    await Promise.all([
      connections.read(book('A'), async () => 1),
      connections.read(book('a'), async () => 2),
      connections.write(book('A'), async () => 3),
    ]);
    expect(made).toHaveLength(1);
    expect(made[0]?.log).toEqual(['open']);
    await connections.read(book('B'), async () => 1);
    expect(connections.size).toBe(2);
  });

  it('runs the writes of a book one after another', async () => {
    const order: string[] = [];
    const slow = connections.write(book('A'), async () => {
      order.push('first start');
      await new Promise((resolve) => setTimeout(resolve, 30));
      order.push('first end');
    });
    const failing = connections.write(book('A'), async () => {
      order.push('second');
      throw new Error('boom');
    });
    const third = connections.write(book('A'), async () => order.push('third'));
    await slow;
    await expect(failing).rejects.toThrow('boom');
    await third;
    expect(order).toEqual(['first start', 'first end', 'second', 'third']);
  });

  it('closes a connector on release (after its writes), on new settings and on closeAll', async () => {
    let release: () => void = () => undefined;
    const writing = connections.write(
      book('A'),
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    const released = connections.release('a');
    expect(made[0]?.log).toEqual(['open']);
    release();
    await writing;
    await released;
    expect(made[0]?.log).toEqual(['open', 'close']);

    await connections.read(book('B'), async () => 1);
    await connections.read(book('B', { path: '/y' }), async () => 1);
    expect(made[1]?.log).toEqual(['open', 'close']);
    await connections.closeAll();
    expect(made[2]?.log).toEqual(['open', 'close']);
    expect(() => connections.peek(book('B'))).toThrow(CtibookError);
  });

  it('tries again after a source failed to open', async () => {
    (connections.peek(book('A')) as RecordingSource).failOpen = true;
    const first = connections.read(book('A'), async () => 1);
    await expect(first).rejects.toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
    expect(await connections.read(book('A'), async () => 2)).toBe(2);
    expect(made).toHaveLength(2);
  });

  it('tells connectors the version of the source the cache holds', async () => {
    home.createBookFolder('A', { SourceVersion: 'v1' });
    expect((connections.peek(book('A')) as RecordingSource).assumed).toBe('v1');
    connections.synced(book('A'), 'v2');
    expect((connections.peek(book('A')) as RecordingSource).assumed).toBe('v2');
  });
});

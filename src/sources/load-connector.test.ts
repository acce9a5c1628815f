import { describe, expect, it } from 'vitest';
import { loadConnector, loadableKinds } from './load-connector.js';
import { sourceKinds } from './registry.js';

describe('loadConnector', () => {
  it('loads every kind of the registry, and only those', async () => {
    expect(loadableKinds().sort()).toEqual(sourceKinds().sort());
    const csv = await loadConnector('csv', { path: '/nowhere.csv', delimiter: ';' }, false);
    expect(csv.capabilities.write).toBe(false);
    await expect(loadConnector('nope', {}, false)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { serveOptionsFromEnv } from './server-main.js';

describe('serveOptionsFromEnv', () => {
  it('reads CTIBOOK_SOURCE_ROOTS as directories separated by colons', () => {
    expect(serveOptionsFromEnv({ CTIBOOK_SOURCE_ROOTS: '/srv/exports::/mnt/crm/' })).toMatchObject({
      sourceRoots: ['/srv/exports', '/mnt/crm/'],
    });
  });

  it('sets no roots when CTIBOOK_SOURCE_ROOTS is unset or empty', () => {
    expect(serveOptionsFromEnv({})).not.toHaveProperty('sourceRoots');
    expect(serveOptionsFromEnv({ CTIBOOK_SOURCE_ROOTS: '' })).not.toHaveProperty('sourceRoots');
  });
});

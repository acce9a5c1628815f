import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CtibookError, ERROR_CATALOGUE } from './errors.js';

describe('error catalogue', () => {
  it('documents every code in the README with its status', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
      expect(readme, code).toMatch(new RegExp(`\\| \`${code}\`\\s*\\| ${status}\\s*\\|`));
    }
  });

  it('gives every error its status and a default message', () => {
    const error = new CtibookError('STALE_ETAG');
    expect(error.status).toBe(412);
    expect(error.message).toBe(ERROR_CATALOGUE.STALE_ETAG.message);
  });
});

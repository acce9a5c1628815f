import { describe, expect, it } from 'vitest';
import { redactConnectionString } from './source-kind.js';

describe('redactConnectionString', () => {
  it('masks every password form and keeps the rest', () => {
    expect(redactConnectionString('Driver={PostgreSQL Unicode};Server=db;Uid=pb;Pwd=s3cret;')).toBe(
      'Driver={PostgreSQL Unicode};Server=db;Uid=pb;Pwd=********;',
    );
    expect(redactConnectionString('Provider=SQLOLEDB;Password={a;b}}c};User ID=x')).toBe(
      'Provider=SQLOLEDB;Password=********;User ID=x',
    );
    expect(redactConnectionString('password = "x;y" ; Jet OLEDB:Database Password=z')).toBe(
      'password = ******** ; Jet OLEDB:Database Password=********',
    );
  });
});

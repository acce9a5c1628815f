import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { filterProblem } from './ldap-filter.js';

/** An attribute name (`entryUUID`, `objectGUID`, `employee-id`) or a numeric OID. */
const ATTRIBUTE_NAME = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/;

/** What is wrong with an LDAP URL, or undefined: ldap:// or ldaps://, a host, no DN, no credentials. */
function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL; write ldap://host[:port] or ldaps://host[:port]';
  }
  if (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') {
    return `must start with ldap:// or ldaps://, not ${url.protocol}//`;
  }
  if (!url.hostname) return 'names no host';
  if (url.username || url.password) return 'must not hold credentials; use bindDn and bindPassword';
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash) {
    return 'must be only ldap[s]://host[:port]; put the base DN and filter in baseDn and filter';
  }
  return undefined;
}

/**
 * The `source` settings of an `ldap` phone book. Always read-only. Validated once, with
 * the defaults filled in: filter `(objectClass=inetOrgPerson)`, scope `sub`, page size 500,
 * id attribute `entryUUID`, timeout 10 s.
 */
export const LdapSourceConfig = z
  .strictObject({
    url: z
      .string()
      .max(2048)
      .superRefine((url, ctx) => {
        const problem = urlProblem(url);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe('ldap://host[:port] or ldaps://host[:port]'),
    baseDn: z
      .string()
      .min(1)
      .max(4096)
      .refine((dn) => /^\s*[^=,]+=/.test(dn), 'must be a DN such as ou=people,dc=example,dc=org')
      .describe('Where the search starts, e.g. ou=people,dc=example,dc=org'),
    bindDn: z.string().min(1).max(4096).optional().describe('DN to bind as; anonymous when absent'),
    bindPassword: z.string().min(1).max(1024).optional().describe('Password of bindDn (a secret)'),
    filter: z
      .string()
      .max(8192)
      .default('(objectClass=inetOrgPerson)')
      .superRefine((filter, ctx) => {
        const problem = filterProblem(filter);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe('RFC 4515 search filter selecting the contacts'),
    scope: z
      .enum(['base', 'one', 'sub'])
      .default('sub')
      .describe('base: the base entry only; one: its children; sub: the whole subtree'),
    pageSize: z
      .number()
      .int()
      .min(1)
      .max(10000)
      .default(500)
      .describe('Entries per page of the Simple Paged Results control'),
    caFile: z
      .string()
      .min(1)
      .max(4096)
      .refine(isAbsolute, 'must be an absolute path')
      .optional()
      .describe('PEM file of the CA that signed the server certificate (ldaps:// and StartTLS)'),
    startTls: z.boolean().default(false).describe('Upgrade an ldap:// connection with StartTLS'),
    idAttribute: z
      .string()
      .regex(ATTRIBUTE_NAME, 'must be an attribute name such as entryUUID or objectGUID')
      .default('entryUUID')
      .describe('Attribute holding the permanent id: entryUUID (OpenLDAP), objectGUID (AD)'),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(10_000)
      .describe('Milliseconds to wait for the connection and for each answer'),
  })
  .superRefine((config, ctx) => {
    if (config.bindPassword !== undefined && config.bindDn === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['bindDn'],
        message: 'required with bindPassword (leave both out to bind anonymously)',
      });
    }
    if (config.bindDn !== undefined && config.bindPassword === undefined) {
      // An empty password makes a simple bind "unauthenticated", which servers let through
      // as anonymous: the book would silently show less than the admin expects.
      ctx.addIssue({
        code: 'custom',
        path: ['bindPassword'],
        message: 'required with bindDn (leave both out to bind anonymously)',
      });
    }
    if (config.startTls && config.url.toLowerCase().startsWith('ldaps:')) {
      ctx.addIssue({
        code: 'custom',
        path: ['startTls'],
        message: 'ldaps:// is TLS already; StartTLS is for ldap:// URLs',
      });
    }
  });

export type LdapSourceConfig = z.infer<typeof LdapSourceConfig>;

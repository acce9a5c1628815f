import type { SourceKindDefinition } from '../source-kind.js';
import { SECRET_MASK } from '../source-kind.js';
import { LdapSourceConfig } from './ldap-config.js';
import { LdapSource } from './ldap-source.js';

/** `kind: ldap`: people in an LDAP directory (OpenLDAP, Active Directory); always read-only. */
export const ldapKind: SourceKindDefinition<LdapSourceConfig> = {
  kind: 'ldap',
  configSchema: LdapSourceConfig,
  canWrite: false,
  create: (config, { files }) => new LdapSource({ config, files }),
  redact: (config) =>
    config.bindPassword === undefined ? config : { ...config, bindPassword: SECRET_MASK },
};

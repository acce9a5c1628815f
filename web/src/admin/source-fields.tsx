import { t } from '../i18n';

export type Source = Record<string, string | number | boolean | undefined>;

interface FieldSpec {
  key: string;
  label: string;
  type?: 'text' | 'password' | 'number' | 'checkbox' | 'textarea' | 'scope';
  required?: boolean;
}

const ID: FieldSpec = { key: 'idColumn', label: 'ID column' };

/** The connection settings of each source kind (DESIGN.md, "Phone book settings"). */
export const SOURCE_FIELDS: Record<string, FieldSpec[]> = {
  builtin: [],
  csv: [
    { key: 'path', label: 'Path', required: true },
    { key: 'delimiter', label: 'Delimiter' },
    { key: 'encoding', label: 'Encoding' },
    ID,
  ],
  odbc: [
    { key: 'connectionString', label: 'Connection string', required: true },
    { key: 'table', label: 'Table', required: true },
    ID,
    { key: 'modifiedColumn', label: 'Modified column' },
  ],
  'odbc-query': [
    { key: 'connectionString', label: 'Connection string', required: true },
    { key: 'query', label: 'Query', type: 'textarea', required: true },
    ID,
  ],
  oledb: [
    { key: 'connectionString', label: 'Connection string', required: true },
    { key: 'table', label: 'Table' },
    { key: 'query', label: 'Query', type: 'textarea' },
    ID,
  ],
  ldap: [
    { key: 'url', label: 'URL', required: true },
    { key: 'baseDn', label: 'Base DN', required: true },
    { key: 'bindDn', label: 'Bind DN' },
    { key: 'bindPassword', label: 'Bind password', type: 'password' },
    { key: 'filter', label: 'Filter' },
    { key: 'scope', label: 'Scope', type: 'scope' },
    { key: 'pageSize', label: 'Page size', type: 'number' },
    { key: 'caFile', label: 'CA file' },
    { key: 'startTls', label: 'StartTLS', type: 'checkbox' },
    { key: 'idAttribute', label: 'ID column' },
  ],
  access: [
    { key: 'path', label: 'Path', required: true },
    { key: 'table', label: 'Table', required: true },
    ID,
  ],
};

/** The key that names the record id column of a kind. */
export function idKey(kind: string): string {
  return kind === 'ldap' ? 'idAttribute' : 'idColumn';
}

/** Drops empty settings, so the server's defaults apply. */
export function cleanSource(source: Source): Source {
  return Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== '' && value !== undefined),
  );
}

/** The inputs for one kind's connection settings. */
export function SourceFields({
  kind,
  source,
  onChange,
}: {
  kind: string;
  source: Source;
  onChange: (source: Source) => void;
}) {
  const set = (key: string, value: string | number | boolean | undefined) =>
    onChange({ ...source, [key]: value });
  return (
    <div class="grid2">
      {(SOURCE_FIELDS[kind] ?? []).map((field) => {
        const id = `source-${field.key}`;
        const value = source[field.key];
        if (field.type === 'checkbox') {
          return (
            <label key={field.key}>
              <input
                type="checkbox"
                checked={value === true}
                onChange={(e) => set(field.key, e.currentTarget.checked)}
              />{' '}
              {t(field.label)}
            </label>
          );
        }
        return (
          <div key={field.key}>
            <label for={id}>{t(field.label)}</label>
            {field.type === 'textarea' ? (
              <textarea
                id={id}
                rows={3}
                value={String(value ?? '')}
                onInput={(e) => set(field.key, e.currentTarget.value)}
              />
            ) : field.type === 'scope' ? (
              <select
                id={id}
                value={String(value ?? 'sub')}
                onChange={(e) => set(field.key, e.currentTarget.value)}
              >
                <option value="sub">sub</option>
                <option value="one">one</option>
                <option value="base">base</option>
              </select>
            ) : (
              <input
                id={id}
                name={field.key}
                type={field.type ?? 'text'}
                required={field.required}
                autocomplete="off"
                value={String(value ?? '')}
                onInput={(e) => {
                  const text = e.currentTarget.value;
                  set(field.key, field.type === 'number' && text ? Number(text) : text);
                }}
              />
            )}
          </div>
        );
      })}
    </div>
  );
}

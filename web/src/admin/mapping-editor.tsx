import { CONTACT_FIELDS } from '../api';
import { t } from '../i18n';

export type Mapping = Record<string, string>;

/** Contact field × source column: the proposed mapping, which the admin may change. */
export function MappingEditor({
  columns,
  mapping,
  onChange,
}: {
  columns: string[];
  mapping: Mapping;
  onChange: (mapping: Mapping) => void;
}) {
  const set = (field: string, column: string) => {
    const next = { ...mapping };
    if (column) next[field] = column;
    else delete next[field];
    onChange(next);
  };
  // A mapped column the source no longer lists (or an expression) stays selectable.
  const options = (field: string) => {
    const current = mapping[field];
    return current && !columns.includes(current) ? [...columns, current] : columns;
  };
  return (
    <div class="table-wrap">
      <table aria-label={t('Mapping')}>
        <thead>
          <tr>
            <th scope="col">{t('Field')}</th>
            <th scope="col">{t('Source column')}</th>
          </tr>
        </thead>
        <tbody>
          {(['id', ...CONTACT_FIELDS] as string[]).map((field) => (
            <tr key={field}>
              <th scope="row">
                <label for={`map-${field}`}>{field === 'id' ? 'id' : t(field)}</label>
              </th>
              <td>
                <select
                  id={`map-${field}`}
                  value={mapping[field] ?? ''}
                  onChange={(e) => set(field, e.currentTarget.value)}
                >
                  <option value="">{t('(not mapped)')}</option>
                  {options(field).map((column) => (
                    <option key={column} value={column}>
                      {column}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

import type { ComponentChildren } from 'preact';

export interface Column<T> {
  /** Column header text. */
  header: string;
  render: (row: T) => ComponentChildren;
  /** CSS class for the cells (`num` right-aligns numbers). */
  class?: string;
}

export interface DataTableProps<T> {
  /** Read by screen readers (visually hidden). */
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  /** `data-testid` of each row, such as `heartbeat-row-<name>`. */
  rowTestId?: (row: T) => string;
  /** Shown as one row when there are no rows. */
  empty?: ComponentChildren;
}

/** A plain, semantic table for up to a few hundred rows (use VirtualList beyond). Scrolls sideways on a phone. */
export function DataTable<T>({ caption, columns, rows, rowKey, rowTestId, empty }: DataTableProps<T>) {
  return (
    <div class="table-wrap">
      <table class="data-table">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c.header} class={c.class}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={columns.length} class="muted">
                {empty ?? 'None.'}
              </td>
            </tr>
          )}
          {rows.map((row) => (
            <tr key={rowKey(row)} data-testid={rowTestId?.(row)}>
              {columns.map((c) => (
                <td key={c.header} class={c.class}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Pieces of the page of a named, pausable resource (a monitor, a heartbeat): its state changes as a table, and
 * the writer's actions (Pause or Resume, Edit, Delete after a question).
 */
import type { ComponentChildren } from 'preact';
import { api, errorMessage } from '../core/api-client.js';
import type { StateChange } from '../core/api-types.js';
import { navigate, seg } from '../core/router.js';
import { ConfirmButton } from './confirm-button.js';
import { DataTable } from './data-table.js';
import { Link } from './link.js';
import type { NamedKind } from './named-form.js';
import { StateBadge } from './state-badge.js';
import { Time } from './time.js';
import { toast } from './toasts.js';

export function StateChangesTable({ rows, empty = 'No state changes yet.' }: { rows: StateChange[]; empty?: string }) {
  return (
    <DataTable
      caption="State changes, newest first"
      rows={rows}
      rowKey={(c) => `${c.at}-${c.to}`}
      empty={empty}
      columns={[
        { header: 'Time', render: (c) => <Time at={c.at} /> },
        { header: 'From', render: (c) => (c.from ? <StateBadge state={c.from} /> : '—') },
        { header: 'To', render: (c) => <StateBadge state={c.to} /> },
        { header: 'Reason', render: (c) => c.reason ?? '' },
      ]}
    />
  );
}

/** Pause or Resume, Edit, and Delete (which asks `question` first, then goes to the list). */
export function NamedActions(props: {
  kind: NamedKind;
  name: string;
  paused: boolean;
  reload: () => void;
  question: ComponentChildren;
}) {
  const { kind, name, paused } = props;
  const path = `/api${kind.base}/${seg(name)}`;
  const toggle = async () => {
    try {
      await api.post(`${path}/${paused ? 'resume' : 'pause'}`);
      toast(paused ? 'Resumed.' : 'Paused.');
      props.reload();
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  };
  return (
    <>
      <button type="button" onClick={toggle}>
        {paused ? 'Resume' : 'Pause'}
      </button>
      <Link class="button" href={`${kind.base}/${seg(name)}/edit`}>
        Edit
      </Link>
      <ConfirmButton
        label="Delete"
        danger
        question={props.question}
        confirmLabel={`Delete ${kind.noun}`}
        onConfirm={async () => {
          await api.del(path);
          toast(`Deleted ${name}.`);
          navigate(kind.base);
        }}
      />
    </>
  );
}

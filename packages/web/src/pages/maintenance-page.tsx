import { maintenanceInputSchema, printDuration } from '@tocsin/protocol';
import { useState } from 'preact/hooks';
import { ConfirmButton } from '../components/confirm-button.js';
import { DataTable } from '../components/data-table.js';
import { Dialog } from '../components/dialog.js';
import { Field, Form, useForm } from '../components/form.js';
import { Link } from '../components/link.js';
import { Page } from '../components/page.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { toast } from '../components/toasts.js';
import { api } from '../core/api-client.js';
import { formatMs } from '../core/format.js';
import { seg } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { parseTags, tagsText } from '../core/form-text.js';

export interface MaintenanceWindow {
  name: string;
  description?: string;
  monitors: string[];
  tags?: Record<string, string>;
  start?: string;
  end?: string;
  cron?: string;
  timezone: string;
  duration?: number;
  active: boolean;
}

const blank = {
  name: '',
  description: '',
  monitors: '',
  tags: '',
  kind: 'once',
  start: '',
  end: '',
  cron: '',
  timezone: 'UTC',
  duration: '2h',
};
type Values = typeof blank;

const list = (text: string) =>
  text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** `2026-12-01 02:00` (the viewer's time) or an ISO time with offset: the ISO time the API takes. */
export function isoTime(text: string): string {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$/.test(t)) {
    const d = new Date(t.replace(' ', 'T'));
    if (Number.isFinite(d.getTime())) return d.toISOString();
  }
  return t;
}

/** An ISO time as `2026-12-01 02:00` in the viewer's time zone. */
function localText(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function maintenanceBody(v: Values): Record<string, unknown> {
  const b: Record<string, unknown> = { name: v.name.trim(), monitors: list(v.monitors) };
  if (v.description.trim()) b.description = v.description.trim();
  const tags = parseTags(v.tags);
  if (Object.keys(tags).length) b.tags = tags;
  if (v.kind === 'once') {
    b.start = isoTime(v.start);
    b.end = isoTime(v.end);
    if (!b.start) delete b.start;
    if (!b.end) delete b.end;
    if (!b.start && !b.end) b.start = '';
  } else {
    b.cron = v.cron.trim();
    b.timezone = v.timezone.trim() || 'UTC';
    b.duration = v.duration.trim();
  }
  return b;
}

function valuesOf(w: MaintenanceWindow): Values {
  return {
    name: w.name,
    description: w.description ?? '',
    monitors: w.monitors.join(', '),
    tags: tagsText(w.tags ?? {}),
    kind: w.cron ? 'recurring' : 'once',
    start: localText(w.start),
    end: localText(w.end),
    cron: w.cron ?? '',
    timezone: w.timezone,
    duration: w.duration ? printDuration(w.duration, 'd', 'm') : '2h',
  };
}

function WindowForm({ existing, onDone }: { existing?: MaintenanceWindow; onDone: () => void }) {
  const form = useForm({
    initial: existing ? valuesOf(existing) : blank,
    schema: maintenanceInputSchema,
    toBody: maintenanceBody,
    onSubmit: async (body) => {
      const name = (body as { name: string }).name;
      await api.put(`/api/maintenance/${seg(name)}`, body);
      toast(existing ? `Saved ${name}.` : `Created ${name}.`);
      onDone();
    },
  });
  const once = form.values.kind === 'once';
  return (
    <Form
      form={form}
      submitLabel={existing ? 'Save window' : 'Create window'}
      extraActions={
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      }
    >
      {existing ? (
        <div class="field">
          <span class="label">Name</span>
          <code>{existing.name}</code>
        </div>
      ) : (
        <Field form={form} name="name" label="Name" required />
      )}
      <Field form={form} name="description" label="Description" />
      <Field form={form} name="monitors" label="Monitors" hint="Comma-separated monitor names" />
      <Field form={form} name="tags" label="Or monitors with tags" hint="env=prod, team=web (all must match)" />
      <Field
        form={form}
        name="kind"
        label="When"
        type="select"
        options={[
          { value: 'once', label: 'Once, from a start to an end' },
          { value: 'recurring', label: 'Recurring, at the times of a cron expression' },
        ]}
      />
      {once ? (
        <div class="form-grid">
          <Field form={form} name="start" label="Start" placeholder="2026-12-01 02:00" hint="Your local time, or ISO" />
          <Field form={form} name="end" label="End" placeholder="2026-12-01 04:00" />
        </div>
      ) : (
        <div class="form-grid">
          <Field form={form} name="cron" label="Cron expression" placeholder="0 2 * * 0" />
          <Field form={form} name="timezone" label="Time zone" />
          <Field form={form} name="duration" label="Open for" hint="1m to 7d" />
        </div>
      )}
    </Form>
  );
}

function when(w: MaintenanceWindow) {
  if (w.cron) return `${w.cron} (${w.timezone}) for ${formatMs(w.duration)}`;
  return (
    <>
      <Time at={w.start} /> to <Time at={w.end} />
    </>
  );
}

export function MaintenancePage() {
  const writer = canWrite(useStore(auth));
  const res = useResource(
    'maintenance',
    (signal) => api.get<{ maintenance: MaintenanceWindow[] }>('/api/maintenance', { signal }),
    { refetchOn: (c) => c.type === 'maintenance' },
  );
  const [editing, setEditing] = useState<MaintenanceWindow | 'new' | undefined>();
  const all = res.data?.maintenance ?? [];
  const close = () => {
    setEditing(undefined);
    res.reload();
  };
  return (
    <>
      <Page
        title="Maintenance"
        description="While a window is open, the monitors it covers are checked but announce nothing."
        actions={
          writer && (
            <button type="button" class="button-primary" onClick={() => setEditing('new')}>
              New window
            </button>
          )
        }
        loading={!res.data && res.loading}
        error={res.data ? undefined : res.error}
        onRetry={res.reload}
        empty={all.length === 0}
        emptyMessage="No maintenance windows. Plan one before work that takes monitors down."
      >
        <DataTable
          caption="Maintenance windows"
          rows={all}
          rowKey={(w) => w.name}
          rowTestId={(w) => `maintenance-row-${w.name}`}
          columns={[
            {
              header: 'Name',
              render: (w) => (
                <>
                  <strong>{w.name}</strong>
                  {w.description && <div class="muted">{w.description}</div>}
                </>
              ),
            },
            {
              header: 'State',
              render: (w) => (
                <StateBadge state={w.active ? 'MAINTENANCE' : 'SCHEDULED'} label={w.active ? 'open' : 'closed'} />
              ),
            },
            { header: 'When', render: when },
            {
              header: 'Covers',
              render: (w) => (
                <>
                  {w.monitors.map((m, i) => (
                    <span key={m}>
                      {i > 0 && ', '}
                      <Link href={`/monitors/${seg(m)}`}>{m}</Link>
                    </span>
                  ))}
                  {w.tags &&
                    Object.entries(w.tags).map(([k, v]) => (
                      <span key={k} class="tag">
                        {v ? `${k}=${v}` : k}
                      </span>
                    ))}
                </>
              ),
            },
            ...(writer
              ? [
                  {
                    header: 'Actions',
                    render: (w: MaintenanceWindow) => (
                      <div class="pill-row">
                        <button type="button" onClick={() => setEditing(w)}>
                          Edit
                        </button>
                        <ConfirmButton
                          label="Delete"
                          danger
                          confirmLabel="Delete window"
                          question={<p>Delete the maintenance window {w.name}?</p>}
                          onConfirm={async () => {
                            await api.del(`/api/maintenance/${seg(w.name)}`);
                            toast(`Deleted ${w.name}.`);
                            res.reload();
                          }}
                        />
                      </div>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Page>
      <Dialog
        open={editing !== undefined}
        title={editing === 'new' ? 'New maintenance window' : `Edit ${editing?.name ?? ''}`}
        onClose={() => setEditing(undefined)}
      >
        {editing !== undefined && (
          <WindowForm
            key={editing === 'new' ? '' : editing.name}
            existing={editing === 'new' ? undefined : editing}
            onDone={close}
          />
        )}
      </Dialog>
    </>
  );
}

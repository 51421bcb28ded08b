import { statusPageInputSchema } from '@tocsin/protocol';
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { ConfirmButton } from '../components/confirm-button.js';
import { CopyButton } from '../components/copy-button.js';
import { Field, Form, useForm } from '../components/form.js';
import { Page, Section } from '../components/page.js';
import { toast } from '../components/toasts.js';
import { api } from '../core/api-client.js';
import { isLifecycle, type LiveChange } from '../core/live-stream.js';
import { navigate, seg } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { Incidents } from './status-page-incidents.js';
import { ItemsEditor, NameLists } from './status-page-items.js';
import type { StatusPage, StatusPageItem } from './status-pages-page.js';

/** The names an item may take change when monitors or heartbeats come and go (groups send no changes). */
const namesLive = {
  refetchOn: (c: LiveChange) => (c.type === 'monitor' || c.type === 'heartbeat') && isLifecycle(c),
};
const itemFieldOf = (p: string) => (p.startsWith('items.') ? p.split('.').slice(0, 3).join('.') : p.split('.')[0]);

function Settings({ page, writer, onSaved }: { page: StatusPage; writer: boolean; onSaved: () => void }) {
  const [items, setItems] = useState<StatusPageItem[]>(page.items);
  const form = useForm({
    initial: {
      title: page.title,
      logoUrl: page.logoUrl ?? '',
      description: page.description ?? '',
      footer: page.footer ?? '',
    },
    schema: statusPageInputSchema,
    toBody: (v) => {
      const b: Record<string, unknown> = { slug: page.slug, title: v.title.trim() };
      for (const k of ['logoUrl', 'description', 'footer'] as const) if (v[k].trim()) b[k] = v[k].trim();
      b.items = items.map((i) => ({
        type: i.type,
        name: i.name.trim(),
        ...(i.label?.trim() ? { label: i.label.trim() } : {}),
      }));
      return b;
    },
    fieldOf: itemFieldOf,
    onSubmit: async (body) => {
      await api.put(`/api/status-pages/${seg(page.slug)}`, body);
      toast('Saved; the public page shows it within a few seconds.');
      onSaved();
    },
  });
  const names = useResource(
    'status-page-names',
    async (signal) => {
      const [m, h, g] = await Promise.all([
        api.get<{ monitors: { name: string }[] }>('/api/monitors', { signal }),
        api.get<{ heartbeats: { name: string }[] }>('/api/heartbeats', { signal }),
        api.get<{ groups: { name: string }[] }>('/api/groups', { signal }),
      ]);
      return {
        monitor: m.monitors.map((x) => x.name),
        heartbeat: h.heartbeats.map((x) => x.name),
        group: g.groups.map((x) => x.name),
      };
    },
    namesLive,
  );
  const fields = (
    <>
      <Field form={form} name="title" label="Title" required />
      <Field form={form} name="logoUrl" label="Logo URL" type="url" hint="An http(s) URL of an image" />
      <Field form={form} name="description" label="Description" type="textarea" rows={2} />
      <Field form={form} name="footer" label="Footer" type="textarea" rows={2} />
      <ItemsEditor items={items} onChange={setItems} errors={form.errors} disabled={!writer} />
      {names.data && <NameLists names={names.data} />}
    </>
  );
  if (!writer) return <fieldset disabled>{fields}</fieldset>;
  return (
    <Form form={form} submitLabel="Save status page">
      {fields}
    </Form>
  );
}

function Links({ page }: { page: StatusPage }) {
  const origin = window.location.origin;
  const base = `${origin}/badge/${seg(page.slug)}`;
  const publicUrl = page.url || `${origin}/status/${seg(page.slug)}`;
  return (
    <>
      <dl class="facts">
        <dt>Public page</dt>
        <dd class="code-line">
          <a href={`/status/${seg(page.slug)}`} target="_blank" rel="noopener">
            {publicUrl}
          </a>
          <CopyButton text={publicUrl} label="Copy page URL" />
        </dd>
        <dt>JSON</dt>
        <dd>
          <code class="break">{`${origin}/api/public/status/${seg(page.slug)}`}</code>
        </dd>
      </dl>
      {page.items.length === 0 ? (
        <p class="muted">Badges are made for the page's items; add some.</p>
      ) : (
        <dl class="facts badges">
          {page.items.map((it) => {
            const kinds = [
              { label: 'state', url: `${base}/${seg(it.name)}/status.svg` },
              ...(it.type !== 'group' ? [{ label: 'uptime', url: `${base}/${seg(it.name)}/uptime.svg?days=30` }] : []),
              ...(it.type === 'monitor' ? [{ label: 'latency', url: `${base}/${seg(it.name)}/latency.svg` }] : []),
            ];
            return (
              <Fragment key={`${it.type}:${it.name}`}>
                <dt>{it.label ?? it.name}</dt>
                <dd>
                  {kinds.map((k) => (
                    <div key={k.label} class="code-line">
                      <img src={k.url} alt={`${k.label} badge of ${it.label ?? it.name}`} height={20} />
                      <code class="break">{k.url}</code>
                      <CopyButton text={k.url} label={`Copy ${k.label} badge URL of ${it.name}`} />
                    </div>
                  ))}
                </dd>
              </Fragment>
            );
          })}
        </dl>
      )}
    </>
  );
}

/** `/status-pages/:slug`: the page's settings and ordered items, its incidents, its public links and badges. */
export function StatusPageDetailPage({ params }: { params: Record<string, string> }) {
  const slug = params.slug;
  const writer = canWrite(useStore(auth));
  const res = useResource(
    `status-page:${slug}`,
    (signal) => api.get<StatusPage>(`/api/status-pages/${seg(slug)}`, { signal }),
    { refetchOn: (c) => c.type === 'status-page' && c.name === slug },
  );
  const p = res.data;
  return (
    <Page
      title={p ? p.title : slug}
      description={
        p && (
          <>
            Status page <code>{p.slug}</code>
          </>
        )
      }
      loading={!p && res.loading}
      error={p ? undefined : res.error}
      onRetry={res.reload}
      actions={
        p &&
        writer && (
          <ConfirmButton
            label="Delete"
            danger
            confirmLabel="Delete status page"
            question={<p>Delete the status page {p.slug}? Its public address and badges stop working.</p>}
            onConfirm={async () => {
              await api.del(`/api/status-pages/${seg(p.slug)}`);
              toast(`Deleted ${p.slug}.`);
              navigate('/status-pages');
            }}
          />
        )
      }
    >
      {p && (
        <>
          <Section title="Links and badges">
            <Links page={p} />
          </Section>
          <Section title="Incidents">
            <Incidents slug={p.slug} writer={writer} />
          </Section>
          <Section title="Settings">
            <Settings key={p.updatedAt} page={p} writer={writer} onSaved={res.reload} />
          </Section>
        </>
      )}
    </Page>
  );
}

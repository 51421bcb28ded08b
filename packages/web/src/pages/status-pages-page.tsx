import { statusPageInputSchema } from '@tocsin/protocol';
import { DataTable } from '../components/data-table.js';
import { Field, Form, useForm } from '../components/form.js';
import { Link } from '../components/link.js';
import { Page, Section } from '../components/page.js';
import { Time } from '../components/time.js';
import { toast } from '../components/toasts.js';
import { api } from '../core/api-client.js';
import { navigate, seg } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';

export interface StatusPageItem {
  type: 'monitor' | 'heartbeat' | 'group';
  name: string;
  label?: string;
}

export interface StatusPage {
  slug: string;
  title: string;
  description?: string;
  logoUrl?: string;
  footer?: string;
  items: StatusPageItem[];
  url: string;
  createdAt: string;
  updatedAt: string;
}

function NewStatusPage() {
  const form = useForm({
    initial: { slug: '', title: '' },
    schema: statusPageInputSchema,
    toBody: (v) => ({ slug: v.slug.trim(), title: v.title.trim(), items: [] }),
    onSubmit: async (body) => {
      // POST answers 409 (shown beside the slug) when a page has this slug already.
      const slug = (await api.post<StatusPage>('/api/status-pages', body)).slug;
      toast(`Created the status page ${slug}; now add what it shows.`);
      navigate(`/status-pages/${seg(slug)}`);
    },
  });
  return (
    <Form form={form} submitLabel="Create status page">
      <div class="form-grid">
        <Field form={form} name="slug" label="Slug" required hint="Its address: /status/<slug> (a-z, 0-9, -)" />
        <Field form={form} name="title" label="Title" required />
      </div>
    </Form>
  );
}

/** `/status-pages`: the public status pages, and a form for a new one. */
export function StatusPagesPage() {
  const writer = canWrite(useStore(auth));
  const res = useResource(
    'status-pages',
    (signal) => api.get<{ statusPages: StatusPage[] }>('/api/status-pages', { signal }),
    { refetchOn: (c) => c.type === 'status-page' },
  );
  const all = res.data?.statusPages ?? [];
  return (
    <Page
      title="Status pages"
      description="Public pages (no sign-in) with the state of chosen monitors, heartbeats and groups, and incidents."
      loading={!res.data && res.loading}
      error={res.data ? undefined : res.error}
      onRetry={res.reload}
    >
      <DataTable
        caption="Status pages"
        rows={all}
        rowKey={(p) => p.slug}
        rowTestId={(p) => `status-page-row-${p.slug}`}
        empty="No status pages yet."
        columns={[
          {
            header: 'Title',
            render: (p) => <Link href={`/status-pages/${seg(p.slug)}`}>{p.title}</Link>,
          },
          { header: 'Slug', render: (p) => <code>{p.slug}</code> },
          { header: 'Items', class: 'num', render: (p) => p.items.length },
          {
            header: 'Public page',
            render: (p) => (
              <a href={`/status/${seg(p.slug)}`} target="_blank" rel="noopener">
                /status/{p.slug}
              </a>
            ),
          },
          { header: 'Updated', render: (p) => <Time at={p.updatedAt} relative /> },
        ]}
      />
      {writer && (
        <Section title="New status page">
          <NewStatusPage />
        </Section>
      )}
    </Page>
  );
}

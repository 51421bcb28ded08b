/** A monitor checked from several locations: what it is checked from, and each location's latest result. */
import { printSelector } from '@tocsin/protocol';
import { DataTable } from '../components/data-table.js';
import { Section } from '../components/page.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import type { LocationResult, Monitor } from '../core/api-types.js';
import { formatMs } from '../core/format.js';

/** `server and agents role=edge, down when 2 fail` (the quorum as set, or a majority). */
export function locationsText(locations: NonNullable<Monitor['settings']['locations']>): string {
  const from = `${locations.includeServer ? 'the server and ' : ''}agents ${printSelector(locations.agents)}`;
  const quorum = locations.quorum === undefined ? 'a majority' : String(locations.quorum);
  return `${from}; down when ${quorum} of the locations fail`;
}

const badge = { up: 'UP', down: 'DOWN', unknown: 'UNKNOWN' } as const;

export function LocationResults({ monitor }: { monitor: Monitor }) {
  if (!monitor.settings.locations) return null;
  const rows = monitor.locationResults ?? [];
  return (
    <Section title="Locations">
      <DataTable<LocationResult>
        caption="The latest result from each location this monitor is checked from"
        rows={rows}
        rowKey={(r) => r.location}
        empty="Not checked from its locations yet."
        columns={[
          {
            header: 'Location',
            render: (r) => (
              <span data-location={r.label}>
                {r.label}
                {!r.current && <span class="muted"> (not asked in the latest check)</span>}
              </span>
            ),
          },
          {
            header: 'Result',
            render: (r) => (
              <StateBadge state={badge[r.status]} label={r.status === 'unknown' ? 'no answer' : undefined} />
            ),
          },
          { header: 'Latency', class: 'num', render: (r) => formatMs(r.latencyMs) },
          { header: 'Message', render: (r) => r.message },
          { header: 'Time', render: (r) => <Time at={r.at} /> },
        ]}
      />
    </Section>
  );
}

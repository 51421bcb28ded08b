/**
 * The public status page as one self-contained HTML document: inline CSS
 * (light and dark by prefers-color-scheme), no external assets but the
 * page's own logo, readable without JavaScript. Times are written in UTC;
 * one small inline script (allowed by the CSP's hash) rewrites them into the
 * viewer's time zone, keeping UTC in the tooltip. Every text is escaped.
 */
import { createHash } from 'node:crypto';
import type { IncidentView } from './status-page-service.js';
import type { ItemState, OverallStatus, PublicItem, PublicMaintenance, PublicStatus } from './public-status-service.js';

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const LOCAL_TIMES =
  "document.querySelectorAll('time[datetime]').forEach(function(t){var d=new Date(t.dateTime);" +
  'if(isNaN(d))return;t.title=t.textContent;t.textContent=d.toLocaleString(undefined,' +
  "{dateStyle:'medium',timeStyle:'short'})});";

/** The Content-Security-Policy of the page: nothing from elsewhere but images, and only its own script. */
export const STATUS_PAGE_CSP =
  "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; " +
  `script-src 'sha256-${createHash('sha256').update(LOCAL_TIMES).digest('base64')}'; ` +
  "base-uri 'none'; form-action 'none'";

const overallText: Record<OverallStatus, string> = {
  operational: 'All systems operational',
  maintenance: 'Maintenance in progress',
  degraded: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};

const stateText: Record<ItemState, string> = {
  up: 'Operational',
  degraded: 'Degraded',
  down: 'Down',
  maintenance: 'Maintenance',
  paused: 'Paused',
  unknown: 'No data yet',
};

const CSS = `
:root{--bg:#fff;--fg:#1a1a1a;--muted:#555;--card:#f5f6f8;--line:#d8dbe0;--up:#1a7f37;--degraded:#9a6700;
--down:#cf222e;--maint:#0969da;--none:#b4b9c0;--on:#fff;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--card:#161b22;--line:#30363d;
--up:#3fb950;--degraded:#d29922;--down:#f85149;--maint:#58a6ff;--none:#484f58;--on:#0d1117}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,
"Segoe UI",Roboto,sans-serif}.wrap{max-width:56rem;margin:0 auto;padding:1rem}header{display:flex;gap:1rem;
align-items:center;flex-wrap:wrap;padding:1rem 0}header img{max-height:3rem;max-width:12rem}
h1{margin:0;font-size:1.6rem}
h2{font-size:1.2rem;margin:2rem 0 .5rem}h3{font-size:1rem;margin:0}.muted{color:var(--muted)}
.banner{padding:1rem;border-radius:.5rem;font-weight:600;color:var(--on);background:var(--up)}
.banner.degraded{background:var(--degraded)}.banner.partial_outage,.banner.major_outage{background:var(--down)}
.banner.maintenance{background:var(--maint)}ul.items,ul.plain{list-style:none;margin:0;padding:0}
.item,.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:.5rem 0}
.row{display:flex;justify-content:space-between;gap:.5rem;flex-wrap:wrap}.state{font-weight:600}
.state.up{color:var(--up)}.state.degraded{color:var(--degraded)}.state.down{color:var(--down)}
.state.maintenance{color:var(--maint)}.state.paused,.state.unknown{color:var(--muted)}
svg.bars{display:block;width:100%;height:2rem;margin:.5rem 0 .25rem}.bars rect.ok{fill:var(--up)}
.bars rect.warn{fill:var(--degraded)}.bars rect.bad{fill:var(--down)}.bars rect.none{fill:var(--none)}
.scale{display:flex;justify-content:space-between;font-size:.8rem}.update{margin:.5rem 0 0}
.update p{margin:.25rem 0;white-space:pre-wrap}footer{margin:2rem 0 1rem;padding-top:1rem;border-top:1px solid
var(--line);white-space:pre-wrap}a{color:var(--maint)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}`;

function time(iso: string): string {
  const utc = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(utc)}</time>`;
}

function barClass(uptime: number | null): string {
  if (uptime === null) return 'none';
  return uptime >= 99.5 ? 'ok' : uptime >= 95 ? 'warn' : 'bad';
}

/** Two decimals, rounded down: 99.999 % is shown as 99.99 %, never as 100 %. */
const pct = (u: number | null) => (u === null ? 'no data' : `${Math.floor(u * 100) / 100}%`);

function bars(item: PublicItem): string {
  if (!item.uptime) return '';
  const days = item.uptime.days;
  const w = 4;
  const rects = days
    .map(
      (d, i) =>
        `<rect class="${barClass(d.uptime)}" x="${i * w}" y="0" width="${w - 1}" height="24" rx="1">` +
        `<title>${escapeHtml(`${d.date}: ${pct(d.uptime)}`)}</title></rect>`,
    )
    .join('');
  const overall = pct(item.uptime.windows['90d']);
  const label = `${escapeHtml(item.label)}: uptime over the last ${days.length} days ${overall}`;
  return (
    `<svg class="bars" viewBox="0 0 ${days.length * w} 24" preserveAspectRatio="none" role="img" ` +
    `aria-label="${label}">${rects}</svg>` +
    `<div class="scale muted"><span>${days.length} days ago</span>` +
    `<span>${escapeHtml(pct(item.uptime.windows['90d']))} uptime</span><span>Today</span></div>`
  );
}

function item(i: PublicItem): string {
  const extra = i.type === 'group' ? ` <span class="muted">(${i.healthy} of ${i.expected} healthy)</span>` : '';
  return (
    `<li class="item"><div class="row"><h3>${escapeHtml(i.label)}${extra}</h3>` +
    `<span class="state ${i.state}">${stateText[i.state]}</span></div>${bars(i)}</li>`
  );
}

function incident(i: IncidentView): string {
  const updates = [...i.updates]
    .reverse()
    .map(
      (u) =>
        `<li class="update"><strong>${escapeHtml(u.status)}</strong> · ${time(u.createdAt)}` +
        `<p>${escapeHtml(u.body)}</p></li>`,
    )
    .join('');
  return (
    `<article class="card"><h3>${escapeHtml(i.title)}</h3><p class="muted">Impact: ${escapeHtml(i.impact)} · ` +
    `opened ${time(i.createdAt)}${i.resolvedAt ? ` · resolved ${time(i.resolvedAt)}` : ''}</p>` +
    `<ul class="plain">${updates}</ul></article>`
  );
}

function maintenance(m: PublicMaintenance): string {
  return (
    `<li class="card"><h3>${escapeHtml(m.name)}` +
    `${m.active ? ' <span class="state maintenance">(now)</span>' : ''}</h3>` +
    `<p class="muted">${time(m.startAt)} to ${time(m.endAt)} · ${escapeHtml(m.items.join(', '))}</p>` +
    (m.description ? `<p>${escapeHtml(m.description)}</p>` : '') +
    '</li>'
  );
}

function section(id: string, heading: string, body: string): string {
  return `<section aria-labelledby="${id}"><h2 id="${id}">${heading}</h2>${body}</section>`;
}

/** The whole page. */
export function renderStatusPage(s: PublicStatus): string {
  const logo = s.logoUrl ? `<img src="${escapeHtml(s.logoUrl)}" alt="${escapeHtml(s.title)} logo">` : '';
  const open = s.incidents.open;
  const parts = [
    `<div class="banner ${s.overall}" role="status">${overallText[s.overall]}</div>`,
    open.length ? section('open', 'Current incidents', open.map(incident).join('')) : '',
    s.maintenance.length
      ? section('maintenance', 'Maintenance', `<ul class="plain">${s.maintenance.map(maintenance).join('')}</ul>`)
      : '',
    section(
      'services',
      'Services',
      s.items.length
        ? `<ul class="items">${s.items.map(item).join('')}</ul>`
        : '<p class="muted">Nothing listed yet.</p>',
    ),
    section(
      'past',
      'Resolved in the last 14 days',
      s.incidents.resolved.length
        ? s.incidents.resolved.map(incident).join('')
        : '<p class="muted">No incidents in the last 14 days.</p>',
    ),
  ];
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>${escapeHtml(s.title)}</title><style>${CSS}</style></head><body><div class="wrap">` +
    `<header>${logo}<div><h1>${escapeHtml(s.title)}</h1>` +
    (s.description ? `<p class="muted">${escapeHtml(s.description)}</p>` : '') +
    `</div></header><main>${parts.join('')}</main>` +
    `<footer>${s.footer ? `${escapeHtml(s.footer)}\n` : ''}<span class="muted">Updated ${time(s.generatedAt)}` +
    '</span></footer></div>' +
    `<script>${LOCAL_TIMES}</script></body></html>`
  );
}

/** The page answered for an unknown slug. */
export function renderNotFoundPage(slug: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1"><title>Status page not found</title>' +
    `<style>${CSS}</style></head><body><div class="wrap"><main><h1>Status page not found</h1>` +
    `<p>There is no status page called “${escapeHtml(slug)}”.</p></main></div></body></html>`
  );
}

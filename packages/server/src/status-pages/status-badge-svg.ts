/**
 * SVG badges in the flat look of shields.io: a grey label and a coloured
 * value. Text widths come from a table of Verdana 11 px advance widths, so
 * the boxes fit their text without a font on the server.
 */
import { escapeHtml } from './status-page-html.js';
import type { ItemState } from './public-status-service.js';

/** Advance widths (px) of Verdana at 11 px for printable ASCII, from space (32) to tilde (126). */
const WIDTHS = [
  3.87, 4.33, 5.05, 9, 6.99, 11.84, 7.99, 2.95, 4.99, 4.99, 6.99, 9, 4, 4.99, 4, 4.99, 6.99, 6.99, 6.99, 6.99, 6.99,
  6.99, 6.99, 6.99, 6.99, 6.99, 4.99, 4.99, 9, 9, 9, 6, 11, 7.52, 7.54, 7.68, 8.48, 6.96, 6.32, 8.53, 8.27, 4.63, 5,
  7.62, 6.12, 9.27, 8.23, 8.66, 6.63, 8.66, 7.65, 7.52, 6.78, 8.05, 7.52, 10.88, 7.54, 6.77, 7.54, 4.99, 4.99, 4.99, 9,
  6.99, 6.99, 6.61, 6.85, 5.73, 6.85, 6.55, 3.87, 6.85, 6.96, 3.02, 3.79, 6.51, 3.02, 10.66, 6.96, 6.68, 6.85, 6.85,
  4.69, 5.73, 4.33, 6.96, 6.51, 8.98, 6.51, 6.51, 5.78, 6.98, 4.99, 6.98, 9,
];

/** The text's width in px at Verdana 11 px; other characters count as wide ones (CJK as two). */
export function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 32 && code <= 126) w += WIDTHS[code - 32];
    else w += code >= 0x1100 ? 11 : 7;
  }
  return w;
}

export const badgeColours = {
  brightgreen: '#4c1',
  green: '#97ca00',
  yellow: '#dfb317',
  orange: '#fe7d37',
  red: '#e05d44',
  blue: '#007ec6',
  grey: '#9f9f9f',
} as const;

const stateColour: Record<ItemState, string> = {
  up: badgeColours.brightgreen,
  degraded: badgeColours.yellow,
  down: badgeColours.red,
  maintenance: badgeColours.blue,
  paused: badgeColours.grey,
  unknown: badgeColours.grey,
};

export function statusBadgeValue(state: ItemState): { value: string; colour: string } {
  return { value: state === 'unknown' ? 'no data' : state, colour: stateColour[state] };
}

export function uptimeBadgeValue(uptime: number | null): { value: string; colour: string } {
  if (uptime === null) return { value: 'no data', colour: badgeColours.grey };
  const c = badgeColours;
  const colour =
    uptime >= 99.9 ? c.brightgreen : uptime >= 99 ? c.green : uptime >= 95 ? c.yellow : uptime >= 90 ? c.orange : c.red;
  // Two decimals at most, without trailing zeros (99.95%, 100%).
  // Rounded down, as on the page: 99.999 % is never shown as 100 %.
  return { value: `${Math.floor(uptime * 100) / 100}%`, colour };
}

export function latencyBadgeValue(ms: number | null | undefined): { value: string; colour: string } {
  if (ms === null || ms === undefined) return { value: 'no data', colour: badgeColours.grey };
  const c = badgeColours;
  const colour = ms < 200 ? c.brightgreen : ms < 500 ? c.green : ms < 1000 ? c.yellow : ms < 2000 ? c.orange : c.red;
  return { value: `${Math.round(ms)} ms`, colour };
}

/** A badge: `label` on grey, `value` on `colour`. */
export function renderBadge(label: string, value: string, colour: string): string {
  const lw = Math.round(textWidth(label) + 10);
  const vw = Math.round(textWidth(value) + 10);
  const w = lw + vw;
  const l = escapeHtml(label);
  const v = escapeHtml(value);
  const text = (x: number, t: string) =>
    `<text x="${x}" y="15" fill="#010101" fill-opacity=".3">${t}</text><text x="${x}" y="14">${t}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${l}: ${v}">` +
    `<title>${l}: ${v}</title>` +
    '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>' +
    '<stop offset="1" stop-opacity=".1"/></linearGradient>' +
    `<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>` +
    `<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/>` +
    `<rect x="${lw}" width="${vw}" height="20" fill="${colour}"/><rect width="${w}" height="20" fill="url(#s)"/></g>` +
    '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">' +
    `${text(lw / 2, l)}${text(lw + vw / 2, v)}</g></svg>`
  );
}

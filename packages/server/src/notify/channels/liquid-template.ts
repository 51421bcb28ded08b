/**
 * Liquid (liquidjs) for the templated webhook, in a sandbox: no file system (`templates: {}` makes `include`,
 * `render` and `layout` find nothing), only own properties of the variables, unknown filters refused when the
 * template is parsed, and limits on template size, render time and memory, so a template cannot hang or eat memory.
 */
import { Liquid, type Template } from 'liquidjs';

/** Characters of one template at most (a body's schema limit, with room). */
const PARSE_LIMIT = 128 * 1024;
/** Milliseconds one template may take to render. */
const RENDER_LIMIT_MS = 1000;
/** Bytes of strings and arrays one render may allocate (a loop doubling a string stops here). */
const MEMORY_LIMIT = 16 * 1024 * 1024;

const engine = new Liquid({
  strictFilters: true,
  ownPropertyOnly: true,
  templates: {},
  cache: false,
  parseLimit: PARSE_LIMIT,
  renderLimit: RENDER_LIMIT_MS,
  memoryLimit: MEMORY_LIMIT,
});

/** Why a template failed, as liquidjs says it (`undefined filter: nope, line:1, col:9`). */
function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0];
}

export type ParsedTemplate = { ok: true; template: Template[] } | { ok: false; error: string };

export function parseTemplate(text: string): ParsedTemplate {
  try {
    return { ok: true, template: engine.parse(text) };
  } catch (err) {
    return { ok: false, error: reason(err) };
  }
}

export type RenderedTemplate = { ok: true; text: string } | { ok: false; error: string };

/** Renders a template over `scope`; a parse or render failure is a value with liquidjs's reason. */
export async function renderTemplate(text: string, scope: Record<string, unknown>): Promise<RenderedTemplate> {
  const parsed = parseTemplate(text);
  if (!parsed.ok) return parsed;
  try {
    return { ok: true, text: String(await engine.render(parsed.template, scope)) };
  } catch (err) {
    return { ok: false, error: reason(err) };
  }
}

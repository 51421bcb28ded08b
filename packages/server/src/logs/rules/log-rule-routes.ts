import { z } from 'zod';
import { logPatternTestSchema, logRuleInputSchema, nameSchema, type LogRuleSpec } from '@tocsin/protocol';
import { TocsinError, fieldIssuesOf, invalid } from '../../core/errors.js';
import { handle, route, type App } from '../../http/route-kit.js';
import type { TokenService } from '../../tokens/token-service.js';
import { compileFilterPattern, createFilterEvent } from '../filter-pattern.js';
import type { LogRuleService } from './log-rule-service.js';
import type { LogRuleRecord } from './log-rule-store.js';

const tags = ['logs'];
const nameParam = z.object({ name: nameSchema });

/** A rule's live stats (by kind: the route stage's, a metric filter's, a log alarm's), if its module has any. */
export type RuleStats = (rule: LogRuleSpec) => Record<string, unknown> | undefined;

export function ruleView(r: LogRuleRecord, stats: RuleStats): Record<string, unknown> {
  const view: Record<string, unknown> = { ...r.spec, createdAt: r.createdAt, updatedAt: r.updatedAt };
  const s = stats(r.spec);
  if (s) view.stats = s;
  return view;
}

/** A PUT body named by the path: a body without a name takes the path's; a different one is a 400. */
function namedByPath(body: unknown, name: string): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const given = (body as { name?: unknown }).name;
  if (given !== undefined && given !== name)
    throw invalid([
      { path: 'name', message: `must be the name in the path ('${name}'), or left out (got '${String(given)}')` },
    ]);
  return { ...body, name };
}

/** The pattern tried on pasted lines: matched or not, and the fields a space-delimited pattern binds. */
export function testPattern(input: unknown): { results: { line: string; matched: boolean; fields?: object }[] } {
  const parsed = logPatternTestSchema.safeParse(input);
  if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
  let pattern: ReturnType<typeof compileFilterPattern>;
  try {
    pattern = compileFilterPattern(parsed.data.pattern);
  } catch (err) {
    if (err instanceof TocsinError) throw invalid([{ path: 'pattern', message: err.message }]);
    throw err;
  }
  return {
    results: parsed.data.lines.map((line) => {
      const fields = pattern.extract(createFilterEvent(line));
      if (fields === undefined) return { line, matched: false };
      return Object.keys(fields).length ? { line, matched: true, fields } : { line, matched: true };
    }),
  };
}

/** `/api/log-rules`: routes, metric filters and log alarms, and the rule editor's pattern test. */
export function registerLogRuleRoutes(app: App, tokens: TokenService, rules: LogRuleService, stats: RuleStats): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/log-rules',
      scope: 'read',
      summary: 'List log rules, each with its live stats',
      tags,
    }),
    (c) => c.json({ rules: rules.records().map((r) => ruleView(r, stats)) }),
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/log-rules/test',
      scope: 'read',
      summary: 'Try a filter pattern on lines: matched or not, with the fields a space-delimited pattern binds',
      tags,
      body: logPatternTestSchema,
      bodyCheckedByHandler: true,
    }),
    async (c) => c.json(testPattern(await c.req.json())),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/log-rules/{name}',
      scope: 'read',
      summary: 'Read a log rule with its live stats',
      tags,
      params: nameParam,
    }),
    (c) => c.json(ruleView(rules.get(c.req.valid('param').name), stats)),
  );
  handle(
    app,
    route(tokens, {
      method: 'put',
      path: '/api/log-rules/{name}',
      scope: 'write',
      summary: "Create or replace a log rule (409 when a route's topic posts into Tocsin's own ingest)",
      tags,
      params: nameParam,
      body: logRuleInputSchema,
      bodyCheckedByHandler: true,
      response: { description: 'Replaced', orCreated: true, conflict: "The route would feed Tocsin's own ingest" },
    }),
    async (c) => {
      const name = c.req.valid('param').name;
      const { record, created } = await rules.put(rules.parse(namedByPath(await c.req.json(), name)));
      return c.json(ruleView(record, stats), created ? 201 : 200);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/log-rules/{name}',
      scope: 'write',
      summary: 'Delete a log rule',
      tags,
      params: nameParam,
      response: { status: 204 },
    }),
    async (c) => {
      await rules.remove(c.req.valid('param').name);
      return c.body(null, 204);
    },
  );
}

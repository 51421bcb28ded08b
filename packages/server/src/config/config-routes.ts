import { z } from 'zod';
import { handle, route, type App } from '../http/route-kit.js';
import { fieldIssuesOf, invalid, TocsinError } from '../core/errors.js';
import { parseJsonBody } from '../http/request-guard.js';
import { scopeAllows, type TokenService } from '../tokens/token-service.js';
import type { ConfigApplyService } from './config-apply-service.js';
import { applyYaml, exportText, isYamlType, YAML_TYPES } from './config-text.js';

const tags = ['config'];

const applyBody = z
  .object({
    config: z.record(z.string(), z.unknown()),
    refs: z.record(z.string(), z.string()).optional(),
    dryRun: z.boolean().optional(),
    prune: z.boolean().optional(),
  })
  .strict();

const yamlText = z.string().describe('A config file as YAML, as tocsin apply reads it; ?dryRun= and ?prune= apply');
const flag = z.enum(['true', 'false']).optional();

export function registerConfigRoutes(app: App, tokens: TokenService, config: ConfigApplyService): void {
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/config/apply',
      scope: 'write',
      summary:
        'Plan and apply a config document (dryRun only plans; prune deletes what the document leaves out). ' +
        'JSON, or a YAML file as is (application/yaml or text/yaml; then ?dryRun=true, ?prune=true): ' +
        'its problems name their line (`line N: …`)',
      tags,
      query: z.object({ dryRun: flag, prune: flag }),
      body: applyBody,
      bodyCheckedByHandler: true,
      rawBody: true,
      otherBodyTypes: Object.fromEntries(YAML_TYPES.slice(0, 2).map((t) => [t, yamlText])),
    }),
    async (c) => {
      const type = c.req.header('content-type');
      const query = c.req.valid('query');
      if (isYamlType(type)) {
        const options = { dryRun: query.dryRun === 'true', prune: query.prune === 'true' };
        return c.json(await applyYaml(config, await c.req.text(), options));
      }
      if (!/^application\/([\w.-]+\+)?json$/i.test((type ?? '').split(';')[0].trim()))
        throw new TocsinError(
          'unsupported_media_type',
          `send the document as JSON (Content-Type: application/json) or as YAML (application/yaml) ` +
            `(${type ? `got ${type}` : 'no Content-Type was sent'})`,
        );
      const parsed = applyBody.safeParse(parseJsonBody(await c.req.text()));
      if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
      const { dryRun = query.dryRun === 'true', prune = query.prune === 'true' } = parsed.data;
      return c.json(await config.apply({ ...parsed.data, dryRun, prune }));
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/config/export',
      scope: 'read',
      summary:
        'The current state as a config document ' +
        '(secrets redacted; includeSecrets=true, admin only: a backup that holds them); ' +
        'format=yaml answers the YAML file tocsin export prints',
      tags,
      query: z.object({ includeSecrets: flag, format: z.enum(['json', 'yaml']).optional() }),
      response: { description: 'JSON `{ config }`, or with format=yaml the YAML text (application/yaml)' },
    }),
    async (c) => {
      const { includeSecrets: secrets, format } = c.req.valid('query');
      const includeSecrets = secrets === 'true';
      const scope = c.get('principal')?.scope;
      if (includeSecrets && (!scope || !scopeAllows(scope, 'admin'))) {
        throw new TocsinError(
          'forbidden',
          `includeSecrets needs a token with the 'admin' scope; this token has '${scope}'`,
        );
      }
      const doc = await config.export({ includeSecrets });
      if (format !== 'yaml') return c.json({ config: doc });
      return c.body(exportText(doc, includeSecrets), 200, {
        'content-type': 'application/yaml; charset=utf-8',
        'content-disposition': 'inline; filename="tocsin.yaml"',
      });
    },
  );
}

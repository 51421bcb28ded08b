import { z } from 'zod';
import { TocsinError } from '../core/errors.js';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { TopicService } from './topic-service.js';

const tokenParam = z.object({ token: z.string().min(1).max(128) });
const tags = ['subscribers'];
const html = { contentType: 'text/html', schema: z.string() };

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const style =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}' +
  'button{font:inherit;padding:.4rem 1rem}';

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)} · Tocsin</title><style>${style}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

/**
 * Pages a mail recipient opens: the confirmation link and the unsubscribe link (public, the token is the
 * credential).
 */
export function registerConfirmRoutes(app: App, tokens: TokenService, topics: TopicService): void {
  const failPage = (c: Parameters<Parameters<typeof handle>[2]>[0], err: unknown) => {
    if (err instanceof TocsinError && err.code === 'not_found')
      return c.html(page('Link not valid', `<p>${escapeHtml(err.message)}</p>`), 404);
    throw err;
  };

  // GET only asks, as for unsubscribing: mail scanners follow links and must not confirm for anyone.
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/confirm/{token}',
      scope: 'public',
      summary: 'Ask to confirm an e-mail subscription',
      tags,
      params: tokenParam,
      response: html,
    }),
    async (c) => {
      try {
        const sub = await topics.findByConfirmToken(c.req.valid('param').token);
        return c.html(
          page(
            'Confirm subscription',
            `<p>Send the notifications of topic <b>${escapeHtml(sub.topicName)}</b> to ${escapeHtml(sub.name)}?</p>` +
              '<form method="post"><button type="submit">Confirm</button></form>',
          ),
        );
      } catch (err) {
        return failPage(c, err);
      }
    },
  );

  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/confirm/{token}',
      scope: 'public',
      summary: 'Confirm an e-mail subscription',
      tags,
      params: tokenParam,
      response: html,
    }),
    async (c) => {
      try {
        const sub = await topics.confirm(c.req.valid('param').token);
        return c.html(
          page(
            'Subscription confirmed',
            `<p>${escapeHtml(sub.name)} will now receive the notifications of topic ` +
              `<b>${escapeHtml(sub.topicName)}</b>.</p>`,
          ),
        );
      } catch (err) {
        return failPage(c, err);
      }
    },
  );

  // GET only asks: mail scanners follow links, and must not unsubscribe anyone.
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/unsubscribe/{token}',
      scope: 'public',
      summary: 'Ask to unsubscribe',
      tags,
      params: tokenParam,
      response: html,
    }),
    async (c) => {
      try {
        const token = c.req.valid('param').token;
        const sub = await topics.findByUnsubscribeToken(token);
        if (sub.status === 'unsubscribed')
          return c.html(
            page(
              'Unsubscribed',
              `<p>${escapeHtml(sub.name)} no longer receives topic <b>${escapeHtml(sub.topicName)}</b>.</p>`,
            ),
          );
        return c.html(
          page(
            'Unsubscribe',
            `<p>Stop sending the notifications of topic <b>${escapeHtml(sub.topicName)}</b> ` +
              `to ${escapeHtml(sub.name)}?</p>` +
              '<form method="post"><button type="submit">Unsubscribe</button></form>',
          ),
        );
      } catch (err) {
        return failPage(c, err);
      }
    },
  );

  // One-click unsubscribe (RFC 8058) and the form above both POST here.
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/unsubscribe/{token}',
      scope: 'public',
      summary: 'Unsubscribe',
      tags,
      params: tokenParam,
      response: html,
    }),
    async (c) => {
      try {
        const sub = await topics.unsubscribe(c.req.valid('param').token);
        return c.html(
          page(
            'Unsubscribed',
            `<p>${escapeHtml(sub.name)} no longer receives topic <b>${escapeHtml(sub.topicName)}</b>.</p>`,
          ),
        );
      } catch (err) {
        return failPage(c, err);
      }
    },
  );
}

#!/usr/bin/env node
// A local webhook receiver for the quick start: prints each notification that
// the `quickstart` topic's webhook sends, and answers 200.
//   node examples/webhook-receiver.mjs [PORT]     (9000 by default; 127.0.0.1 only)
import http from 'node:http';

const port = Number(process.argv[2] ?? 9000);
http
  .createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let event;
      try {
        event = JSON.parse(body).event;
      } catch {
        event = undefined;
      }
      const line = event
        ? `${event.time} ${event.severity} ${event.kind}: ${event.title}${event.text ? `\n  ${event.text}` : ''}`
        : `${req.method} ${req.url} ${body}`;
      process.stdout.write(`${line}\n`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  })
  .listen(port, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${port}/ (Ctrl-C stops)\n`));

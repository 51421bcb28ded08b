import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body's bytes as sent (a gzipped body is not UTF-8). */
  raw: Buffer;
}

export interface ScriptedResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer, so the sender's timeout has to end the wait. */
  hang?: boolean;
}

/**
 * A real HTTP server on 127.0.0.1 (a free port) for channel tests: it
 * records every request and answers with the scripted responses in turn,
 * then with the fallback.
 */
export class TestReceiver {
  readonly requests: RecordedRequest[] = [];
  private readonly script: ScriptedResponse[] = [];
  private readonly server: http.Server;

  private constructor(private fallback: ScriptedResponse) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        this.requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: raw.toString('utf8'),
          raw,
        });
        const answer = this.script.shift() ?? this.fallback;
        if (answer.hang) return;
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      });
    });
  }

  static async start(fallback: ScriptedResponse = { status: 200, body: 'ok' }): Promise<TestReceiver> {
    const receiver = new TestReceiver(fallback);
    await new Promise<void>((resolve, reject) => {
      receiver.server.once('error', reject);
      receiver.server.listen(0, '127.0.0.1', () => resolve());
    });
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers for the next requests, in order. */
  answer(...responses: ScriptedResponse[]): void {
    this.script.push(...responses);
  }

  /** The only request since the last reset; fails when there were none or several. */
  single(): RecordedRequest {
    if (this.requests.length !== 1) throw new Error(`expected one request, got ${this.requests.length}`);
    return this.requests[0];
  }

  reset(fallback?: ScriptedResponse): void {
    this.requests.length = 0;
    this.script.length = 0;
    if (fallback) this.fallback = fallback;
  }

  async close(): Promise<void> {
    // Keep-alive sockets of the senders' shared agent would hold the server open.
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A URL on 127.0.0.1 where nothing listens: a port the system just gave out and took back. */
export async function refusedUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

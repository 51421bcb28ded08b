/**
 * The base of every link Tocsin hands out (ping URLs, confirmation and
 * unsubscribe links, the Healthchecks API's URLs). Settings hold what was
 * configured; with port 0 the actual port is known only once the server
 * listens, so readers call `get()` rather than keep a string.
 *
 * States: configured ──listening(port)──▶ resolved (only with port 0 and a
 * URL that ends in `:0`; otherwise the configured URL is already final).
 */
export class PublicUrl {
  private resolved: string | undefined;
  private actualPort: number | undefined;

  constructor(
    private readonly configured: string,
    private readonly port: number,
  ) {}

  /** Called once by the HTTP server with the port it listens on. */
  listening(actualPort: number): void {
    this.actualPort = actualPort;
    if (this.port !== 0 || this.resolved !== undefined) return;
    this.resolved = this.configured.replace(/:0$/, `:${actualPort}`);
  }

  /** The port the server listens on (the configured one until it does). */
  listenPort(): number {
    return this.actualPort ?? this.port;
  }

  /** The base URL, without a trailing slash. */
  readonly get = (): string => this.resolved ?? this.configured;
}

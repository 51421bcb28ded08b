/**
 * The syslog listeners (off unless a port is set): TCP (RFC 6587, octet counting or newline framing, decided per
 * frame) and UDP (RFC 5426, a datagram a message), RFC 5424 and RFC 3164 messages (../syslog/), into the log group
 * TOCSIN_SYSLOG_GROUP unless a log group's `match` takes them (by app-name as source, or host.name).
 *
 * A TCP connection hands the messages of each chunk it reads to the pipeline in batches of at most `maxBatch`.
 * States of a connection: reading ──queue full──▶ paused (socket.pause(): the sender's TCP window fills, nothing is
 * dropped) ──queue admits again (retried after the pipeline's Retry-After, at most `retryMs`)──▶ reading;
 * reading/paused ──end, error, close()──▶ closed. UDP cannot push back: a datagram that meets a full queue is
 * dropped and counted `backpressure`. A frame that is not syslog (empty, too large, bad RFC 5424) is counted
 * `invalid` and the connection goes on. Connections over `maxConnections` are refused at accept.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { LogEvent } from '@tocsin/protocol';
import type { Clock } from '../../core/clock.js';
import { TocsinError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { PipelineStatusPart } from '../log-pipeline.js';
import { syslogEvent } from '../syslog/syslog-event.js';
import { datagramFrame, type SyslogFrame, SyslogFrameSplitter } from '../syslog/syslog-framing.js';
import type { LogIngestService } from './log-ingest-service.js';
import { eventOfShape } from './shape-event.js';

export interface SyslogListenerOptions {
  host: string;
  /** 0: no TCP listener. Use `listen` ports from `start()`'s answer in tests (a port of -1 asks for any free one). */
  tcpPort: number;
  udpPort: number;
  group: string;
  maxConnections?: number;
  /** Events handed to the pipeline at once. */
  maxBatch?: number;
  /** The longest a paused connection waits before asking the queue again (ms). */
  retryMs?: number;
  maxMessageBytes?: number;
  /** IANA zone of RFC 3164 timestamps (they carry no offset); UTC by default. */
  timeZone?: string;
}

const FORMAT = 'syslog';

interface Counts {
  connections: number;
  refusedConnections: number;
  messages: number;
  invalid: number;
  pauses: number;
  udpBackpressure: number;
}

export class SyslogListeners implements PipelineStatusPart {
  readonly name = 'listeners';
  private tcp?: net.Server;
  private udp?: dgram.Socket;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly counts: Counts = {
    connections: 0,
    refusedConnections: 0,
    messages: 0,
    invalid: 0,
    pauses: 0,
    udpBackpressure: 0,
  };
  private udpPending: LogEvent[] = [];
  private udpBytes = 0;
  private udpScheduled = false;
  private ports: { tcp?: number; udp?: number } = {};

  constructor(
    private readonly service: LogIngestService,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: SyslogListenerOptions,
  ) {}

  /** Opens the configured listeners; answers their ports. */
  async start(): Promise<{ tcp?: number; udp?: number }> {
    const { host, tcpPort, udpPort } = this.options;
    if (tcpPort) this.ports.tcp = await this.listenTcp(host, Math.max(tcpPort, 0));
    if (udpPort) this.ports.udp = await this.listenUdp(host, Math.max(udpPort, 0));
    if (this.ports.tcp || this.ports.udp) this.logger.info('syslog listening', { host, ...this.ports });
    return this.ports;
  }

  /**
   * Stops accepting, hands on what was read, ends every connection (destroyed if it does not close in 2 s).
   * Closing twice is closing once.
   */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.flushUdp();
    const closing = [...this.sockets].map(
      (s) =>
        new Promise<void>((resolve) => {
          const kill = setTimeout(() => s.destroy(), 2000);
          s.once('close', () => {
            clearTimeout(kill);
            resolve();
          });
          s.end();
        }),
    );
    const server = this.tcp;
    const udp = this.udp;
    this.tcp = undefined;
    this.udp = undefined;
    await Promise.all([
      ...closing,
      server ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined,
      udp ? new Promise<void>((resolve) => udp.close(() => resolve())) : undefined,
    ]);
  }

  status(): Record<string, unknown> {
    return { ...this.ports, open: this.sockets.size, ...this.counts };
  }

  private listenTcp(host: string, port: number): Promise<number> {
    // Half-open: a sender's end is answered once what it sent has been handed on, not at once.
    const server = net.createServer({ allowHalfOpen: true }, (socket) => this.connection(socket));
    server.maxConnections = this.options.maxConnections ?? 256;
    server.on('drop', () => this.counts.refusedConnections++);
    this.tcp = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as net.AddressInfo).port));
    });
  }

  private listenUdp(host: string, port: number): Promise<number> {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    socket.on('message', (msg, rinfo) => this.datagram(msg, rinfo.address));
    socket.on('error', (err) => this.logger.warn('syslog UDP error', { err }));
    this.udp = socket;
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => resolve(socket.address().port));
    });
  }

  private eventOf(frame: SyslogFrame, peer: string | undefined): LogEvent | undefined {
    if (frame.ok) {
      const parsed = syslogEvent(frame.message, {
        observedTime: this.clock.now(),
        peer,
        timeZone: this.options.timeZone,
        group: this.options.group,
      });
      if (parsed.ok) {
        this.counts.messages++;
        return eventOfShape(parsed.value, this.options.group);
      }
    }
    this.counts.invalid++;
    this.service.refused('invalid', FORMAT);
    return undefined;
  }

  private connection(socket: net.Socket): void {
    this.sockets.add(socket);
    this.counts.connections++;
    const splitter = new SyslogFrameSplitter({ maxMessageBytes: this.options.maxMessageBytes });
    const peer = socket.remoteAddress;
    const pending: LogEvent[] = [];
    let bytes = 0;
    let paused = false;
    const take = (frames: SyslogFrame[]) => {
      for (const f of frames) {
        const e = this.eventOf(f, peer);
        if (e) pending.push(e);
      }
    };
    let ended = false;
    const flush = (): void => {
      const max = this.options.maxBatch ?? 1000;
      while (pending.length) {
        const n = Math.min(max, pending.length);
        const share = Math.ceil((bytes * n) / pending.length);
        const admitted = this.service.admits(share);
        if (!admitted.ok) {
          paused = true;
          this.pause(socket, admitted.retryAfterSeconds, () => {
            paused = false;
            flush();
            if (paused || socket.destroyed) return;
            if (ended) socket.end();
            else socket.resume();
          });
          return;
        }
        const batch = pending.splice(0, n);
        bytes -= share;
        this.hand(batch, share);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      take(splitter.push(chunk));
      if (!paused) flush();
    });
    socket.on('end', () => {
      ended = true;
      take(splitter.end());
      if (paused) return; // ended once the queue has taken the rest
      flush();
      if (!paused) socket.end();
    });
    socket.on('error', (err) => this.logger.debug('syslog connection error', { peer, err: err.message }));
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (pending.length) this.service.refused('backpressure', FORMAT, pending.length);
      pending.length = 0;
    });
  }

  private pause(socket: net.Socket, retryAfterSeconds: number, retry: () => void): void {
    this.counts.pauses++;
    socket.pause();
    const delay = Math.min(retryAfterSeconds * 1000, this.options.retryMs ?? 1000);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      retry();
    }, delay);
    this.timers.add(timer);
  }

  /** Hands a batch on; a refusal here (the queue filled between the check and the call) is counted by the pipeline. */
  private hand(batch: LogEvent[], bytes: number): void {
    try {
      this.service.ingest({ format: FORMAT, events: batch, rejected: [], bytes, explicit: () => false });
    } catch (err) {
      if (!(err instanceof TocsinError)) throw err;
      this.logger.debug('syslog batch refused', { err: err.message, events: batch.length });
    }
  }

  private datagram(msg: Buffer, peer: string): void {
    const e = this.eventOf(datagramFrame(msg, this.options.maxMessageBytes), peer);
    if (!e) return;
    this.udpPending.push(e);
    this.udpBytes += msg.length;
    if (this.udpPending.length >= (this.options.maxBatch ?? 1000)) this.flushUdp();
    else if (!this.udpScheduled) {
      // The datagrams already queued on the socket arrive before this runs: one batch per turn of the loop.
      this.udpScheduled = true;
      setImmediate(() => this.flushUdp());
    }
  }

  private flushUdp(): void {
    this.udpScheduled = false;
    if (!this.udpPending.length) return;
    const batch = this.udpPending;
    const bytes = this.udpBytes;
    this.udpPending = [];
    this.udpBytes = 0;
    try {
      this.service.ingest({ format: FORMAT, events: batch, rejected: [], bytes, explicit: () => false });
    } catch (err) {
      if (!(err instanceof TocsinError)) throw err;
      // The pipeline counted them as `backpressure`: UDP has no way to make the sender wait.
      this.counts.udpBackpressure += batch.length;
    }
  }
}

/**
 * A PostgreSQL server of one test's own (the Debian binaries in /usr/lib/postgresql/15/bin), on 127.0.0.1 and a
 * free port, with trust auth and fsync off, so that the test can restart it under running nodes. We run as root
 * and initdb refuses root: the data dir belongs to the user `postgres`, and initdb and pg_ctl run through
 * `runuser -u postgres`. Every command runs asynchronously, so the test's own servers (targets, receivers) keep
 * answering while PostgreSQL starts or restarts.
 *
 * States: (none) ──start──▶ running ──restart──▶ running ──close──▶ gone (stopped -m immediate, files removed)
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './server-process.js';

const run = promisify(execFile);
const BIN = process.env.TOCSIN_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export class PostgresInstance {
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  /** postgres://postgres@127.0.0.1:PORT/postgres */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get data(): string {
    return path.join(this.dir, 'data');
  }

  /**
   * Why this machine cannot run one (no binaries, no user `postgres`), or undefined when it can. With CI=true the
   * caller fails on a reason instead of skipping.
   */
  static unavailable(): string | undefined {
    if (!existsSync(path.join(BIN, 'initdb')) || !existsSync(path.join(BIN, 'pg_ctl')))
      return `no PostgreSQL binaries in ${BIN} (set TOCSIN_TEST_PG_BIN)`;
    if (!existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser') && !existsSync('/usr/bin/runuser'))
      return 'no runuser to run PostgreSQL as the user postgres';
    return undefined;
  }

  static async start(): Promise<PostgresInstance> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-pg-'));
    const instance = new PostgresInstance(dir, await freePort());
    try {
      if (process.getuid?.() === 0) {
        const { stdout } = await run('id', ['-u', 'postgres']);
        const { stdout: gid } = await run('id', ['-g', 'postgres']);
        chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
      }
      await instance.pg('initdb', ['-D', instance.data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
      await instance.ctl(['start', '-w', '-t', '30', '-l', path.join(dir, 'log'), '-o', instance.options()]);
    } catch (err) {
      await instance.close();
      throw err;
    }
    return instance;
  }

  /** `pg_ctl restart -m fast`: every connection is dropped; answers once the server accepts connections again. */
  async restart(): Promise<void> {
    await this.ctl(['restart', '-m', 'fast', '-w', '-t', '30', '-l', path.join(this.dir, 'log'), '-o', this.options()]);
  }

  /** Stops the server at once (-m immediate) and removes its files; safe to call more than once. */
  async close(): Promise<void> {
    if (existsSync(path.join(this.data, 'postmaster.pid')))
      await this.ctl(['stop', '-m', 'immediate', '-w', '-t', '30']).catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  private options(): string {
    return [
      `-p ${this.port}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${this.dir}'`,
      '-c fsync=off',
      '-c full_page_writes=off',
      '-c shared_buffers=16MB',
      '-c max_connections=100',
    ].join(' ');
  }

  private ctl(args: string[]): Promise<unknown> {
    return this.pg('pg_ctl', ['-D', this.data, ...args]);
  }

  private async pg(tool: string, args: string[]): Promise<void> {
    const file = path.join(BIN, tool);
    const [cmd, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
    try {
      await run(cmd as string, argv as string[], { cwd: this.dir, timeout: 60_000 });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${tool} ${args[0]} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }
}

/**
 * The first-run setup: while no user exists, the first admin is made with a
 * one-time setup code or any admin API token. Each node makes its own code
 * at start (kept in memory, as a hash; on PostgreSQL every node's code
 * works), logs it once and writes it to `<data dir>/setup-code` (mode 0600)
 * when the data directory exists. The first user ends setup everywhere.
 *
 * States: needed (no user; code live on this node) ──POST /api/setup──▶ done (a user exists; code forgotten,
 * file removed). A node started when users exist makes no code.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { User } from '@tocsin/protocol';
import { TocsinError } from '../core/errors.js';
import { randomToken } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { TokenService } from '../tokens/token-service.js';
import type { UserService } from './user-service.js';

export const SETUP_CODE_FILE = 'setup-code';

const sha256 = (text: string) => createHash('sha256').update(text).digest();

export class SetupService {
  private codeHash?: Buffer;
  /** The code made at start, kept so that a second `prepare` (the start banner, then the module) makes no other. */
  private code?: string;

  constructor(
    private readonly users: UserService,
    private readonly tokens: TokenService,
    private readonly logger: Logger,
    private readonly where: { dataDir: string; publicUrl: () => string },
  ) {}

  private get file(): string {
    return path.join(this.where.dataDir, SETUP_CODE_FILE);
  }

  /** At start: while no user exists, makes this node's setup code, logs it and writes the file; answers it. */
  async prepare(): Promise<string | undefined> {
    if (this.code) return this.code;
    if (!(await this.needed())) {
      this.removeFile();
      return undefined;
    }
    const code = `tcs_${randomToken(24)}`;
    this.codeHash = sha256(code);
    this.code = code;
    let written = '';
    if (existsSync(this.where.dataDir)) {
      writeFileSync(this.file, `${code}\n`, { mode: 0o600 });
      chmodSync(this.file, 0o600);
      written = ` (also in ${this.file})`;
    }
    this.logger.info(`open ${this.where.publicUrl()}/setup and enter this setup code: ${code}${written}`);
    return code;
  }

  async needed(): Promise<boolean> {
    return (await this.users.count()) === 0;
  }

  /** Makes the first admin; 409 once a user exists, 401 when the code is neither this node's nor an admin token. */
  async complete(body: { name: string; password: string; setupCode: string }): Promise<User> {
    if (!(await this.needed()))
      throw new TocsinError('conflict', 'setup is done: a user exists already; sign in instead');
    if (!(await this.accepts(body.setupCode)))
      throw new TocsinError(
        'unauthorized',
        'setupCode: not the setup code the server logged at start (also in <data dir>/setup-code), ' +
          'nor an admin API token',
        { issues: [{ path: 'setupCode', message: 'not the setup code nor an admin API token' }] },
      );
    const user = await this.users.create(body.name, body.password, 'admin', true);
    this.codeHash = undefined;
    this.code = undefined;
    this.removeFile();
    return user;
  }

  private async accepts(code: string): Promise<boolean> {
    if (this.codeHash && timingSafeEqual(sha256(code), this.codeHash)) return true;
    if (code.startsWith('tcs_')) return false;
    const principal = await this.tokens.authenticate(code);
    return principal?.scope === 'admin';
  }

  private removeFile(): void {
    try {
      rmSync(this.file, { force: true });
    } catch (err) {
      this.logger.warn('could not remove the setup code file', { file: this.file, err });
    }
  }
}

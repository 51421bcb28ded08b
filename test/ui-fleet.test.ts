/**
 * The fleet pages of the web UI in Chromium against a real server, logged in as the admin. Two agents are enrolled
 * through the API and played by `ws` clients in this test (they check each command frame's Ed25519 signature with
 * the server's command key, answer command.started, and hold command.result until the test lets them go): the agents
 * page lists both online; a run started from the form on role=web expecting 2 shows its hosts InProgress, then
 * Success, without a reload; a host's output opens with its "truncated" mark; a run expecting 3 ends Failed with
 * "1 missing"; an agent revoked from its page leaves the list and its connection is closed. Every page passes axe in
 * light and dark; screenshots land in test-artifacts/screenshots/. Without Chromium the file skips (CI=true: fails).
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { commandSigningText, type ServerMessage } from '@tocsin/protocol';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import {
  browserSkip,
  checkPage,
  launchBrowser,
  newContext,
  settle,
  setupCode,
  startUiServer,
  type UiServer,
  watchPage,
} from './support/browser.js';
import { heading } from './support/ui-actions.js';
import { adminCall, until } from './support/ui-seed.js';

const live = { timeout: 10_000 };

/** An agent played in-process: enrolled, connected, answering the command frames it is sent. */
class PlayedAgent {
  readonly runs: Extract<ServerMessage, { type: 'command.run' }>[] = [];
  closed?: number;
  /** Results held until `release()`: the run's page shows the hosts InProgress meanwhile. */
  private held: (() => void)[] = [];
  private hold = true;
  badSignatures = 0;

  constructor(
    readonly hostname: string,
    readonly agentId: string,
    private readonly ws: WebSocket,
    commandKey: string,
  ) {
    const key = createPublicKey(commandKey);
    ws.on('close', (code) => {
      this.closed = code;
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerMessage;
      if (frame.type === 'ping') this.send({ type: 'pong', id: frame.id });
      if (frame.type !== 'command.run') return;
      const text = commandSigningText({ agentId, ...frame });
      if (!verify(null, Buffer.from(text), key, Buffer.from(frame.signature, 'base64'))) this.badSignatures++;
      this.runs.push(frame);
      this.send({ type: 'command.started', invocationId: frame.invocationId });
      const startedAt = Date.now();
      const finish = () =>
        this.send({
          type: 'command.result',
          invocationId: frame.invocationId,
          status: 'Success',
          exitCode: 0,
          stdout: `${hostname}: ${frame.command}\n${'x'.repeat(64)}`,
          stderr: '',
          stdoutTruncated: hostname.endsWith('1'),
          stderrTruncated: false,
          startedAt,
          endedAt: Date.now(),
        });
      if (this.hold) this.held.push(finish);
      else finish();
    });
  }

  static async enroll(ui: UiServer, token: string, hostname: string): Promise<PlayedAgent> {
    const res = await fetch(`${ui.url}/api/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, hostname, version: '0.1.0', platform: 'linux-x64' }),
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    const e = JSON.parse(text) as { agentId: string; credential: string; commandKey: string };
    const ws = new WebSocket(`${ui.url.replace(/^http/, 'ws')}/api/agents/connect`, {
      headers: { authorization: `Bearer ${e.credential}` },
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const agent = new PlayedAgent(hostname, e.agentId, ws, e.commandKey);
    agent.send({
      type: 'hello',
      protocol: 1,
      version: '0.1.0',
      hostname,
      platform: 'linux-x64',
      tags: { role: 'web' },
      commands: { enabled: true, allow: [] },
    });
    return agent;
  }

  send(frame: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  /** Sends the held results, and from now on answers at once. */
  release(): void {
    this.hold = false;
    for (const f of this.held.splice(0)) f();
  }

  close(): void {
    this.ws.close();
  }
}

describe('the fleet pages of the web UI', { skip: browserSkip() }, () => {
  let ui: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const agents: PlayedAgent[] = [];

  before(async () => {
    ui = await startUiServer();
    browser = await launchBrowser();
    context = await newContext(browser, ui);
    const res = await context.request.post('/api/setup', {
      data: { name: 'ada', password: 'correct-horse-battery-staple', setupCode: setupCode(ui) },
    });
    assert.equal(res.status(), 201, await res.text());
    page = watchPage(await context.newPage());
    const made = await adminCall(ui, 'POST', '/api/agents/enrollment-tokens', { name: 'web', uses: 2 }, 201);
    for (const host of ['web-1', 'web-2']) agents.push(await PlayedAgent.enroll(ui, made.token, host));
    await adminCall(ui, 'PUT', '/api/agent-groups/web', { selector: { role: 'web' }, expectedSize: 2 }, [200, 201]);
    await until(
      () => adminCall(ui, 'GET', '/api/agents?state=online'),
      (a) => a.agents.length === 2,
      'both agents online',
    );
  });
  after(async () => {
    for (const a of agents) a.close();
    await context?.close().catch(() => {});
    await browser?.close();
    await ui?.stop();
  });

  it('lists both agents online, with the enrolment panel', async () => {
    await page.goto('/agents');
    await heading(page);
    for (const a of agents) {
      const row = page.getByTestId(`agent-row-${a.hostname}`);
      await row.locator('[data-agent-state="online"]').waitFor({ state: 'visible', ...live });
      assert.match((await row.textContent()) ?? '', /role=web/);
      assert.match((await row.textContent()) ?? '', /enabled/);
    }
    assert.match((await page.getByTestId('enrollment-token-row-web').textContent()) ?? '', /2 of 2/);
    const group = page.getByTestId('agent-group-row-web');
    await group.waitFor({ state: 'visible', ...live });
    assert.match((await group.textContent()) ?? '', /role=web/);
    assert.match((await group.textContent()) ?? '', /2 of 2 healthy/);
    // The tag selector is the server's: no agent has role=db.
    await page.getByLabel('Filter by tags').fill('role=db');
    await page.getByLabel('Filter by tags').press('Enter');
    await page.getByText('No agent matches.').waitFor({ state: 'visible', ...live });
    await page.getByLabel('Filter by tags').fill('role=web');
    await page.getByLabel('Filter by tags').press('Enter');
    await page.getByTestId('agent-row-web-2').waitFor({ state: 'visible', ...live });
    // A token made from the panel is shown once, with the command line to copy.
    await page.getByLabel('Token name').fill('db-hosts');
    await page.getByRole('button', { name: 'Create enrolment token' }).click();
    const line = page.getByTestId('enroll-command');
    await line.waitFor({ state: 'visible' });
    assert.match((await line.textContent()) ?? '', /^tocsin-agent --url http:\/\/127\.0\.0\.1:\d+ --enroll tce_/);
    await page.getByTestId('enrollment-token-row-db-hosts').waitFor({ state: 'visible' });
    // The state filter is the server's.
    await page.getByLabel('State').selectOption('offline');
    await page.getByText('No agent matches.').waitFor({ state: 'visible', ...live });
    await page.getByLabel('State').selectOption('');
    await page.getByTestId('agent-row-web-1').waitFor({ state: 'visible', ...live });
    await settle(page);
    await checkPage(page, '/agents');
  });

  it('starts a run from the form whose hosts change state live, and opens a host output', async () => {
    await page.goto('/commands');
    await heading(page);
    await page.getByRole('button', { name: 'Run command' }).click();
    await page.getByLabel('Command', { exact: false }).first().fill('uptime');
    await page.getByLabel('Value 1').fill('web');
    await page.getByLabel(/^Expected hosts/).fill('2');
    await settle(page);
    await checkPage(page, '/commands/form');
    await page.getByRole('button', { name: 'Run command', exact: true }).last().click();
    await page.waitForURL(/\/commands\/[^/?]+$/, live);
    await heading(page);
    // The rollout sends to one host first (enrolled first) and to the other once it is done, as a canary: the
    // hosts' states change in place.
    const [first, second] = agents as [PlayedAgent, PlayedAgent];
    const row = (a: PlayedAgent) => page.getByTestId(`invocation-row-${a.hostname}`);
    await row(first)
      .locator('[data-status="InProgress"]')
      .waitFor({ state: 'visible', ...live });
    assert.equal(await row(second).getAttribute('data-status'), 'Pending');
    assert.equal(await page.getByTestId('run-verdict').getAttribute('data-status'), 'InProgress');
    // Hosts that have not answered yet are running or pending while the run goes, not missing.
    const reason = async () => (await page.getByTestId('run-reason').textContent()) ?? '';
    assert.equal(await reason(), '0 of 2 expected hosts succeeded so far: 1 running, 1 pending');
    assert.equal(
      await page.getByTestId('run-verdict').locator('[data-count="InProgress"] .card-value').textContent(),
      '1',
    );
    await settle(page);
    await checkPage(page, '/commands/:id/running');
    first.release();
    await row(second)
      .locator('[data-status="InProgress"]')
      .waitFor({ state: 'visible', ...live });
    assert.equal(await row(first).getAttribute('data-status'), 'Success');
    assert.equal(await reason(), '1 of 2 expected hosts succeeded so far: 1 running');
    second.release();
    await page.locator('[data-testid="run-verdict"][data-status="Success"]').waitFor({ state: 'visible', ...live });
    for (const a of agents) {
      assert.equal(await page.getByTestId(`invocation-row-${a.hostname}`).getAttribute('data-status'), 'Success');
      assert.equal(a.badSignatures, 0, `${a.hostname}: every command frame is signed with the server's key`);
    }
    assert.match((await page.getByTestId('run-reason').textContent()) ?? '', /2 of 2 expected hosts succeeded/);
    await page.getByRole('button', { name: 'Show output of web-1' }).click();
    const output = page.getByTestId('invocation-output-web-1');
    await output.waitFor({ state: 'visible' });
    assert.match((await output.textContent()) ?? '', /web-1: uptime/);
    assert.equal(await output.getByTestId('truncated').count(), 1, 'the stdout of web-1 was truncated');
    await settle(page);
    await checkPage(page, '/commands/:id');
  });

  it('ends a run expecting 3 hosts Failed, 1 missing, and lists both runs in the audit', async () => {
    const run = await adminCall(
      ui,
      'POST',
      '/api/commands',
      { command: 'df -h', targets: { tags: { role: 'web' } }, expected: 3 },
      201,
    );
    await page.goto(`/commands/${run.id}`);
    await heading(page);
    await page.locator('[data-testid="run-verdict"][data-status="Failed"]').waitFor({ state: 'visible', ...live });
    assert.match(
      (await page.getByTestId('run-reason').textContent()) ?? '',
      /2 of 3 expected hosts succeeded: 1 missing/,
    );
    await page.goto('/commands');
    await page.getByTestId(`run-row-${run.id}`).waitFor({ state: 'visible', ...live });
    assert.equal(await page.locator('[data-testid^="run-row-"]').count(), 2);
    // Who: the admin token for the run started by API, ada for the one started in the browser.
    assert.match((await page.getByTestId(`run-row-${run.id}`).textContent()) ?? '', /token:TOCSIN_ADMIN_TOKEN/);
    assert.match((await page.locator('[data-testid^="run-row-"]').nth(1).textContent()) ?? '', /ada/);
    await settle(page);
    await checkPage(page, '/commands');
  });

  it("shows an agent's page and revokes it", async () => {
    const web2 = agents[1];
    await page.goto(`/agents/${web2.agentId}`);
    await heading(page);
    await page.getByTestId('agent-facts').waitFor({ state: 'visible' });
    assert.match((await page.getByTestId('agent-facts').textContent()) ?? '', /enabled \(any command\)/);
    await page.getByTestId(`run-row-${(await adminCall(ui, 'GET', '/api/commands')).runs[0].id}`).waitFor(live);
    await settle(page);
    await checkPage(page, '/agents/:id');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByLabel('Key 2').fill('zone');
    await page.getByLabel('Value 2').fill('eu-1');
    await page.getByRole('button', { name: 'Save tags' }).click();
    await page
      .getByTestId('agent-facts')
      .getByText('zone=eu-1')
      .waitFor({ state: 'visible', ...live });
    assert.equal((await adminCall(ui, 'GET', `/api/agents/${web2.agentId}`)).tags.zone, 'eu-1');
    await page.getByLabel('Key 2').fill('bad key!');
    await page.getByRole('button', { name: 'Save tags' }).click();
    await page.getByText("'bad key!': a tag key is letters, digits and _ . : / -").waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Revoke agent' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke web-2' }).click();
    await page.waitForURL((u) => u.pathname === '/agents', live);
    await page.getByTestId('agent-row-web-1').waitFor({ state: 'visible', ...live });
    assert.equal(await page.getByTestId('agent-row-web-2').count(), 0, 'a revoked agent is not listed');
    await until(
      async () => web2.closed,
      (code) => code === 4401,
      'the revoked agent disconnected with 4401',
    );
  });
});

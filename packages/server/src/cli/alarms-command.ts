import { ago, createApiClient, table } from './api-client.js';
import { nounCommand, printJson, UsageError, type Action } from './command.js';
import { cliIo } from './cli-io.js';

const states = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
const path = (name: string) => `/api/alarms/${encodeURIComponent(name)}`;

interface AlarmRow {
  name: string;
  state: string;
  reason: string;
  stateChangedAt: string;
}

const list: Action = {
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  async run(v) {
    const { alarms } = await createApiClient(v).get<{ alarms: AlarmRow[] }>('/api/alarms');
    if (!printJson(v, alarms))
      cliIo().stdout.write(
        `${table(
          ['NAME', 'STATE', 'SINCE', 'REASON'],
          alarms.map((a) => [a.name, a.state, ago(a.stateChangedAt), a.reason]),
        )}\n`,
      );
    return 0;
  },
};

const history: Action = {
  args: ['NAME'],
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  help: 'State changes and actions of the alarm, newest first.',
  async run(v, [name]) {
    const { history: rows } = await createApiClient(v).get<{
      history: { at: string; kind: string; summary: string; data: { reason?: string } }[];
    }>(`${path(name)}/history`);
    if (!printJson(v, rows))
      cliIo().stdout.write(
        `${table(
          ['TIME', 'KIND', 'SUMMARY', 'REASON'],
          rows.map((h) => [h.at, h.kind, h.summary, h.data.reason ?? '']),
        )}\n`,
      );
    return 0;
  },
};

const setState: Action = {
  args: ['NAME', 'OK|ALARM|INSUFFICIENT_DATA'],
  synopsis: '--reason TEXT',
  options: { reason: { type: 'string' } },
  help: `Sets the alarm's state by hand, as CloudWatch's SetAlarmState does: its actions
run, and the next evaluation sets the state from the data again. Use it to test
an alarm's notifications.`,
  async run(v, [name, state]) {
    if (!states.includes(state))
      throw new UsageError(`alarms set-state: '${state}' is not one of ${states.join(', ')}`);
    if (typeof v.reason !== 'string' || v.reason === '')
      throw new UsageError('alarms set-state: give the --reason (it is shown in the notification)');
    const a = await createApiClient(v).put<AlarmRow>(`${path(name)}/state`, { state, reason: v.reason });
    cliIo().stdout.write(`alarm '${a.name}' is ${a.state}: ${a.reason}\n`);
    return 0;
  },
};

export const alarmsCommand = nounCommand(
  'alarms',
  'list alarms with their state and reason, show one’s history, set one’s state',
  { list, history, 'set-state': setState },
  'list',
);

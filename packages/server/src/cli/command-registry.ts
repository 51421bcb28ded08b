import type { Command } from './command.js';
import { applyCommand } from './apply-command.js';
import { deliveriesCommand } from './deliveries-command.js';
import { alarmsCommand } from './alarms-command.js';
import { exportCommand } from './export-command.js';
import { heartbeatsCommand } from './heartbeats-command.js';
import { runCommand } from './run-command.js';
import { monitorsCommand } from './monitors-command.js';
import { publishCommand } from './publish-command.js';
import { startCommand } from './start-command.js';
import { tokensCommand } from './tokens-command.js';

/** Sub-commands of `tocsin`, by name; adding one is one file and one line here. */
export const commands: Record<string, Command> = {
  start: startCommand,
  apply: applyCommand,
  export: exportCommand,
  publish: publishCommand,
  deliveries: deliveriesCommand,
  tokens: tokensCommand,
  monitors: monitorsCommand,
  heartbeats: heartbeatsCommand,
  run: runCommand,
  alarms: alarmsCommand,
};

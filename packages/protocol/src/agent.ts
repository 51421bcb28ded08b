import { z } from 'zod';
import { durationSchema } from './duration.js';
import { nameSchema } from './topic.js';

/**
 * The host agent's side of the protocol: enrolment, the WebSocket messages
 * between an agent and the server, agent groups, and run-command bodies.
 * Shared by the server (packages/server/src/fleet), the agent
 * (packages/agent) and the UI.
 *
 * The WebSocket is `GET /api/agents/connect`, upgraded, with
 * `Authorization: Bearer <agent credential>`. Every frame is one JSON object
 * of `agentMessageSchema` (agent to server) or `serverMessageSchema` (server
 * to agent); a frame that does not parse is answered with an `error` frame
 * and otherwise ignored, never a closed connection.
 */

export const AGENT_PROTOCOL_VERSION = 1;

/** Tag keys and values as on monitors: `role=web`, `env=prod`. */
export const tagKeySchema = z
  .string()
  .min(1, 'a tag key is 1-64 characters')
  .max(64, 'a tag key is 1-64 characters')
  .regex(/^[A-Za-z0-9_.:/-]+$/, 'a tag key is letters, digits and _ . : / -');
export const tagValueSchema = z.string().max(256, 'a tag value is at most 256 characters');
export const agentTagsSchema = z
  .record(tagKeySchema, tagValueSchema)
  .refine((t) => Object.keys(t).length <= 50, 'at most 50 tags');
export type AgentTags = z.infer<typeof agentTagsSchema>;

/**
 * Which agents a selector picks: every key must match (AND), and a key's
 * value may be a list of which any matches (OR). `{role: web, env: [prod, stage]}`.
 */
export const tagSelectorSchema = z
  .record(tagKeySchema, z.union([tagValueSchema, z.array(tagValueSchema).min(1).max(50)]))
  .refine((s) => Object.keys(s).length > 0, 'at least one tag');
export type TagSelector = z.infer<typeof tagSelectorSchema>;

/** Whether tags match a selector (AND of keys, OR of a key's values). */
export function tagsMatch(tags: Readonly<Record<string, string>>, selector: TagSelector): boolean {
  for (const [key, want] of Object.entries(selector)) {
    const have = tags[key];
    if (have === undefined) return false;
    if (Array.isArray(want) ? !want.includes(have) : want !== have) return false;
  }
  return true;
}

/** A selector as people write it: `role=web,env=prod|stage`. */
export function printSelector(selector: TagSelector): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`)
    .join(',');
}

// ---------------------------------------------------------------- enrolment

/** POST /api/agents/enrollment-tokens (admin): a token that enrols up to `uses` agents until it expires. */
export const enrollmentTokenCreateSchema = z
  .object({
    name: z.string().min(1).max(64).default('agents'),
    /** How long the token can be used; 1 hour by default, at most 30 days. */
    expiresIn: durationSchema(60_000, 30 * 86_400_000, 'lifetime').default(3_600_000),
    /** How many agents may enrol with it. */
    uses: z.number().int().min(1).max(10_000).default(1),
    /** Tags every agent enrolled with it gets, over what the agent says. */
    tags: agentTagsSchema.default({}),
  })
  .strict();
export type EnrollmentTokenCreate = z.input<typeof enrollmentTokenCreateSchema>;

/** POST /api/agents/enroll (no other authentication): the enrolment token, exchanged once for a credential. */
export const enrollRequestSchema = z
  .object({
    token: z.string().min(1, 'required: the enrolment token'),
    hostname: z.string().min(1).max(255),
    tags: agentTagsSchema.default({}),
    version: z.string().max(64).default(''),
    platform: z.string().max(64).default(''),
  })
  .strict();
export type EnrollRequest = z.input<typeof enrollRequestSchema>;

/** The answer to an enrolment: stored by the agent (0600) and never shown again. */
export const enrollResponseSchema = z.object({
  agentId: z.string(),
  /** The agent's bearer credential for the WebSocket; revocable alone. */
  credential: z.string(),
  /** The server's Ed25519 public key (SPKI, PEM): every command frame is signed with it. */
  commandKey: z.string(),
});
export type EnrollResponse = z.infer<typeof enrollResponseSchema>;

/** An agent as `GET /api/agents` answers it (server and UI). */
export interface AgentView {
  id: string;
  hostname: string;
  tags: Record<string, string>;
  version: string;
  platform: string;
  state: 'online' | 'offline';
  enrolledAt: string;
  lastSeenAt: string | null;
  revokedAt: string | null;
  /** The server node holding its connection (none when not connected). */
  node: string | null;
  /** Whether it runs commands (`--allow-commands`), and the command prefixes it allows (empty: any). */
  commands: { enabled: boolean; allow: string[] };
  /** Whether it runs monitors' probes (`--allow-probes`): it can be one of a monitor's locations. */
  probes: boolean;
  selfChecks: { name: string; ok: boolean; message: string }[];
  /** Its last metrics frame: when, and how many datapoints. */
  metrics: { time: string; datapoints: number } | null;
}

/** An enrolment token as `GET /api/agents/enrollment-tokens` answers it (never its secret). */
export interface EnrollmentTokenView {
  id: string;
  name: string;
  tags: Record<string, string>;
  uses: number;
  used: number;
  expiresAt: string;
  createdAt: string;
  createdBy: string | null;
  revokedAt: string | null;
  state: 'active' | 'used' | 'expired' | 'revoked';
}

// ---------------------------------------------------------------- agent → server

const finite = z.number().finite();

/** One host datapoint, named as the CloudWatch agent names it (`disk_used_percent`, path/device/fstype). */
export const hostDatumSchema = z.object({
  name: z.string().min(1).max(255),
  value: finite,
  unit: z.string().max(32).optional(),
  dimensions: z.record(z.string().min(1).max(255), z.string().min(1).max(1024)).default({}),
});
export type HostDatum = z.infer<typeof hostDatumSchema>;

/** A self-check the agent ran (its disk is writable, its log files are readable, …). */
export const selfCheckSchema = z.object({
  name: z.string().min(1).max(64),
  ok: z.boolean(),
  message: z.string().max(1024).default(''),
});

/**
 * Lines of one tailed file, from byte `from` to byte `to` of the file whose identity is `file`
 * (device and inode, so a rotation is a new identity). The server keeps the last `to` it took per
 * agent and source, so a batch sent again after a reconnection or a restart is taken once.
 */
export const logBatchSchema = z.object({
  type: z.literal('logs'),
  seq: z.number().int().nonnegative(),
  /** The source's name in the agent's config; with the agent's id, the key of its position. */
  source: z.string().min(1).max(128),
  group: z.string().min(1).max(512),
  file: z.string().min(1).max(128),
  from: z.number().int().nonnegative(),
  to: z.number().int().nonnegative(),
  lines: z.array(z.object({ time: z.number().int().nonnegative(), message: z.string().max(262_144) })).max(10_000),
});
export type LogBatch = z.infer<typeof logBatchSchema>;

export const invocationStatuses = [
  'Pending',
  'InProgress',
  'Success',
  'Failed',
  'TimedOut',
  'Undeliverable',
  'Cancelled',
] as const;
export type InvocationStatus = (typeof invocationStatuses)[number];
export const TERMINAL_INVOCATION_STATUSES: ReadonlySet<InvocationStatus> = new Set([
  'Success',
  'Failed',
  'TimedOut',
  'Undeliverable',
  'Cancelled',
]);

/** Output kept of one invocation, as SSM keeps it: 24,000 characters of stdout and 8,000 of stderr. */
export const STDOUT_MAX = 24_000;
export const STDERR_MAX = 8_000;

export const agentMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.number().int(),
    version: z.string().max(64),
    hostname: z.string().min(1).max(255),
    platform: z.string().max(64).default(''),
    tags: agentTagsSchema.default({}),
    /** Whether it runs commands (`--allow-commands`), and the command prefixes it allows (empty: any). */
    commands: z.object({ enabled: z.boolean(), allow: z.array(z.string().max(1024)).max(100).default([]) }),
    /** Whether it runs monitors' probes (`--allow-probes`); older agents do not say, and do not. */
    probes: z.boolean().default(false),
  }),
  z.object({
    type: z.literal('metrics'),
    time: z.number().int().nonnegative(),
    data: z.array(hostDatumSchema).max(1000),
    /**
     * 1 when the agent sends more often than once a minute: kept per second (high resolution), as the CloudWatch
     * agent sends them then; per minute otherwise.
     */
    storageResolution: z.union([z.literal(1), z.literal(60)]).optional(),
  }),
  z.object({ type: z.literal('status'), checks: z.array(selfCheckSchema).max(50) }),
  logBatchSchema,
  /** The agent took the invocation (signature good, allowed) and started it. */
  z.object({ type: z.literal('command.started'), invocationId: z.string().min(1).max(64) }),
  z.object({
    type: z.literal('command.result'),
    invocationId: z.string().min(1).max(64),
    status: z.enum(['Success', 'Failed', 'TimedOut', 'Cancelled', 'Undeliverable']),
    exitCode: z.number().int().nullable(),
    stdout: z.string().max(STDOUT_MAX),
    stderr: z.string().max(STDERR_MAX),
    stdoutTruncated: z.boolean(),
    stderrTruncated: z.boolean(),
    /** Why it did not run (refused, not allowed, bad signature), for Undeliverable and Failed. */
    reason: z.string().max(1024).optional(),
    startedAt: z.number().int().nullable(),
    endedAt: z.number().int(),
  }),
  z.object({ type: z.literal('pong'), id: z.number().int() }),
  /** The answer to a `probe` frame: up or down, as the server's own probe would say it. */
  z.object({
    type: z.literal('probe.result'),
    checkId: z.string().min(1).max(64),
    ok: z.boolean(),
    latencyMs: z.number().finite().nonnegative(),
    message: z.string().max(1024),
  }),
]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;
export type AgentMessageInput = z.input<typeof agentMessageSchema>;

// ---------------------------------------------------------------- server → agent

/** The fields of a command frame that its signature covers, in this order, joined by newlines. */
export function commandSigningText(c: {
  agentId: string;
  invocationId: string;
  command: string;
  timeoutMs: number;
  notAfter: number;
}): string {
  return ['tocsin-command-v1', c.agentId, c.invocationId, c.command, String(c.timeoutMs), String(c.notAfter)].join(
    '\n',
  );
}

/** The fields of a probe frame that its signature covers, in this order, joined by newlines. */
export function probeSigningText(p: {
  agentId: string;
  checkId: string;
  monitor: string;
  spec: unknown;
  timeoutMs: number;
  deadline: number;
}): string {
  return [
    'tocsin-probe-v1',
    p.agentId,
    p.checkId,
    p.monitor,
    JSON.stringify(p.spec),
    String(p.timeoutMs),
    String(p.deadline),
  ].join('\n');
}

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    agentId: z.string(),
    /** How often the agent sends metrics (and so shows it is alive). */
    metricsEveryMs: z.number().int().positive(),
    /** The last byte taken of each log source's current file: the agent resumes after it. */
    positions: z.record(z.string(), z.object({ file: z.string(), to: z.number().int() })),
  }),
  /** The log batch `seq` was stored (or was already): its position may be saved. */
  z.object({ type: z.literal('ack'), seq: z.number().int() }),
  z.object({
    type: z.literal('command.run'),
    invocationId: z.string(),
    runId: z.string(),
    /** Run with `/bin/sh -c`. */
    command: z.string(),
    timeoutMs: z.number().int().positive(),
    /** Epoch ms after which the agent must not start it (the delivery timeout). */
    notAfter: z.number().int(),
    /** Ed25519 over `commandSigningText`, base64. */
    signature: z.string(),
  }),
  z.object({ type: z.literal('command.cancel'), invocationId: z.string() }),
  /**
   * Run a monitor's probe from the agent's host (http, tcp, dns or tls) and answer `probe.result` by
   * `deadline` (epoch ms); an answer after it is not counted. Signed like a command frame.
   */
  z.object({
    type: z.literal('probe'),
    checkId: z.string(),
    monitor: z.string(),
    /** The probe's settings as the monitor has them (`type` and its fields), secrets included. */
    spec: z.record(z.string(), z.unknown()),
    timeoutMs: z.number().int().positive(),
    deadline: z.number().int(),
    /** Ed25519 over `probeSigningText`, base64. */
    signature: z.string(),
  }),
  z.object({ type: z.literal('ping'), id: z.number().int() }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

// ---------------------------------------------------------------- groups and runs

/** An agent group (config section `agent_groups`): the agents with the selector's tags, expected `expectedSize`. */
export const agentGroupInputSchema = z
  .object({
    name: nameSchema,
    selector: tagSelectorSchema,
    expectedSize: z.number().int().min(0).max(100_000),
    description: z.string().max(1024).optional(),
    /** Topics a member's `agent.offline` and `agent.online` events go to. */
    topics: z.array(nameSchema).max(20).optional(),
  })
  .strict();
export type AgentGroupSpec = z.infer<typeof agentGroupInputSchema>;

/** `10` hosts or `25%` of the targets. */
const countOrShareSchema = z
  .union([z.number().int().min(0), z.string().regex(/^\d{1,3}%$/, 'a number, or a share such as 10%')])
  .refine((v) => typeof v === 'number' || Number.parseInt(v, 10) <= 100, 'a share is at most 100%');
export type CountOrShare = z.infer<typeof countOrShareSchema>;

/** The agents a run is for: those with the selector's tags, or those named. */
export const commandTargetsSchema = z
  .object({
    tags: tagSelectorSchema.optional(),
    agents: z.array(z.string().min(1)).min(1).max(10_000).optional(),
  })
  .strict()
  .refine((t) => t.tags || t.agents, 'give tags or agents');

/** POST /api/commands: run `command` on the targets. */
export const commandRunInputSchema = z
  .object({
    command: z.string().min(1, 'required: the command to run').max(65_536),
    targets: commandTargetsSchema,
    /** The number of hosts that must run it: a number, or a group's expected size (`group`). */
    expected: z.number().int().min(0).max(100_000).optional(),
    group: nameSchema.optional(),
    maxConcurrency: countOrShareSchema.default('100%'),
    maxErrors: countOrShareSchema.default('100%'),
    /** How long an invocation may wait for its agent to take it. */
    deliveryTimeout: durationSchema(1000, 2 * 86_400_000, 'timeout').default(600_000),
    /** How long the command may run on a host. */
    executionTimeout: durationSchema(1000, 2 * 86_400_000, 'timeout').default(3_600_000),
    /** Topics the completion event goes to. */
    topics: z.array(nameSchema).max(20).default([]),
    comment: z.string().max(1024).optional(),
  })
  .strict()
  .refine((r) => !(r.expected !== undefined && r.group), {
    message: 'give expected or group, not both',
    path: ['group'],
  });
export type CommandRunInput = z.input<typeof commandRunInputSchema>;
export type CommandRunSpec = z.output<typeof commandRunInputSchema>;

export const commandRunStatuses = ['InProgress', 'Success', 'Failed', 'Cancelled'] as const;
export type CommandRunStatus = (typeof commandRunStatuses)[number];

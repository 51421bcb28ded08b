/** The agent's log: one JSON object a line on stderr (systemd's journal keeps it), no dependency. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface AgentLog {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function errorFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? { message: v.message, stack: v.stack } : v;
  return out;
}

/** A logger writing to `write` (stderr by default) from level `min` up. */
export function createLog(
  min: LogLevel = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l),
): AgentLog {
  const at =
    (level: LogLevel) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      if (order[level] < order[min]) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...errorFields(fields) })}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A logger that keeps its lines, for tests. */
export function memoryLog(): AgentLog & { lines: { level: LogLevel; msg: string }[] } {
  const lines: { level: LogLevel; msg: string }[] = [];
  const at = (level: LogLevel) => (msg: string) => {
    lines.push({ level, msg });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const tones: Record<string, string> = {
  UP: 'good',
  OK: 'good',
  CONFIRMED: 'good',
  DELIVERED: 'good',
  RESOLVED: 'good',
  DOWN: 'bad',
  ALARM: 'bad',
  FAILED: 'bad',
  DEAD: 'bad',
  LATE: 'warn',
  PENDING: 'warn',
  STARTED: 'info',
  NEW: 'neutral',
  INSUFFICIENT_DATA: 'neutral',
  PAUSED: 'neutral',
  MAINTENANCE: 'info',
};

/** A state as a coloured badge with its name as text; `data-state` carries the state for tests and styles. */
export function StateBadge({ state, label }: { state: string; label?: string }) {
  const tone = tones[state.toUpperCase()] ?? 'neutral';
  return (
    <span class={`badge badge-${tone}`} data-state={state}>
      {label ?? state.replace(/_/g, ' ')}
    </span>
  );
}

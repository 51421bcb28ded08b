import type { ErrorCode, FieldIssue } from '@tocsin/protocol';

/**
 * The one error class for expected failures. Its code maps to an HTTP
 * status in one place (`httpStatusOf`); its message says what to fix.
 */
export class TocsinError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'TocsinError';
  }
}

const statusByCode: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export function httpStatusOf(code: ErrorCode): number {
  return statusByCode[code];
}

export function notFound(what: string, name: string): TocsinError {
  return new TocsinError('not_found', `${what} '${name}' does not exist`);
}

export function invalid(issues: FieldIssue[]): TocsinError {
  const message = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return new TocsinError('validation_failed', message, { issues });
}

/** Turns zod issues into field issues with dotted paths (`topics.0.name`). */
export function fieldIssuesOf(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  prefix = '',
): FieldIssue[] {
  return issues.map((i) => {
    const path = [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.');
    return { path, message: i.message };
  });
}

/**
 * A ping's body is a job's output, kept as text: the first `limit` bytes,
 * decoded as UTF-8 (bytes that are not UTF-8 become U+FFFD, as a cut
 * character at the limit does). NUL bytes, which a job may well print but
 * PostgreSQL's text type cannot hold, are replaced by U+FFFD too, and the
 * ping says so, so that such a ping is stored and counted like any other.
 */
export interface PingBody {
  body: string | null;
  bodyTruncated: boolean;
  /** NUL bytes of the body were replaced by U+FFFD. */
  bodyNulsReplaced: boolean;
}

export function pingBodyText(raw: Buffer | null, limit: number): PingBody {
  if (!raw || raw.length === 0) return { body: null, bodyTruncated: false, bodyNulsReplaced: false };
  const kept = raw.length > limit ? raw.subarray(0, limit) : raw;
  const hasNul = kept.includes(0);
  const text = kept.toString('utf8');
  return {
    body: hasNul ? text.replaceAll('\0', '\uFFFD') : text,
    bodyTruncated: raw.length > limit,
    bodyNulsReplaced: hasNul,
  };
}

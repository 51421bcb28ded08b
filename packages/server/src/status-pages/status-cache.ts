/**
 * The public pages' cache: what a slug shows is built at most once per
 * `ttlMs`, kept in memory, and shared by everyone asking meanwhile, so a
 * traffic spike costs one build per slug per period, never one per request.
 *
 * An entry is fresh (answered as is), expired (answered as is while one
 * rebuild runs in the background), or gone (invalidated by an admin change,
 * or never built: the caller waits for the one build in flight). A slug that
 * names no page is remembered as missing for `ttlMs` too, in a bounded map
 * (oldest dropped first), so unknown slugs do not reach the database per
 * request either. A build that fails leaves an older value in place.
 */
import type { Clock } from '../core/clock.js';

export interface StatusCacheOptions {
  ttlMs: number;
  /** Unknown slugs remembered at most (the oldest are forgotten first). */
  maxMissing: number;
}

interface Entry<T> {
  value: T;
  builtAt: number;
}

export class StatusCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /** Unknown slugs, each with when it was found missing. */
  private readonly missing = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<T | undefined>>();
  /** Bumped by invalidate: a build started before does not store its result. */
  private readonly generations = new Map<string, number>();
  /** Builds started, for telemetry and tests. */
  builds = 0;

  constructor(
    private readonly clock: Clock,
    private readonly build: (slug: string) => Promise<T | undefined>,
    private readonly options: StatusCacheOptions = { ttlMs: 30_000, maxMissing: 1_000 },
  ) {}

  /** What the slug shows, or undefined when no page has it. */
  async get(slug: string): Promise<T | undefined> {
    const now = this.clock.now();
    const missingAt = this.missing.get(slug);
    if (missingAt !== undefined) {
      if (now - missingAt < this.options.ttlMs) return undefined;
      this.missing.delete(slug);
    }
    const entry = this.entries.get(slug);
    if (entry) {
      if (now - entry.builtAt >= this.options.ttlMs) this.rebuild(slug).catch(() => {});
      return entry.value;
    }
    return this.rebuild(slug);
  }

  /** Forgets the slug's value, so the next request builds it again at once. */
  invalidate(slug: string): void {
    this.entries.delete(slug);
    this.missing.delete(slug);
    this.inFlight.delete(slug);
    this.generations.set(slug, (this.generations.get(slug) ?? 0) + 1);
  }

  /** Forgets everything (another node changed what we cannot name). */
  clear(): void {
    for (const slug of new Set([...this.entries.keys(), ...this.missing.keys(), ...this.inFlight.keys()]))
      this.invalidate(slug);
  }

  /** The one build of the slug in flight, started if none is. */
  private rebuild(slug: string): Promise<T | undefined> {
    const running = this.inFlight.get(slug);
    if (running) return running;
    const generation = this.generations.get(slug) ?? 0;
    this.builds++;
    const done: Promise<T | undefined> = this.build(slug).then((value) => {
      if ((this.generations.get(slug) ?? 0) === generation) this.store(slug, value);
      return value;
    });
    const forget = () => {
      if (this.inFlight.get(slug) === done) this.inFlight.delete(slug);
    };
    done.then(forget, forget);
    this.inFlight.set(slug, done);
    return done;
  }

  private store(slug: string, value: T | undefined): void {
    const now = this.clock.now();
    if (value !== undefined) {
      this.entries.set(slug, { value, builtAt: now });
      return;
    }
    this.entries.delete(slug);
    this.missing.delete(slug);
    this.missing.set(slug, now);
    while (this.missing.size > this.options.maxMissing) this.missing.delete(this.missing.keys().next().value!);
  }
}

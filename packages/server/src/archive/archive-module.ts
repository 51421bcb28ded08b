import type { AppContext, AppModule } from '../app-module.js';
import type { LogArchiveSource } from '../logs/logs-module.js';
import type { TopicReferrer } from '../notify/topic-service.js';
import { archiveConfigSection } from './archive-config.js';
import { registerArchiveRoutes } from './archive-routes.js';
import { ARCHIVE_JOB, ArchiveRunner } from './archive-runner.js';
import { ARCHIVES_TOPIC, ArchiveService } from './archive-service.js';
import { listDays } from './archive-store.js';

export interface ArchiveModule extends AppModule {
  jobs: ArchiveService;
  runner: ArchiveRunner;
  /** Refuses to delete a topic an archive job names. */
  topicReferrer: TopicReferrer;
}

/**
 * Archive jobs: scheduled, time-zone-correct daily export of log groups to a directory or S3-compatible
 * storage, with catch-up, retries, events, and a hold on log retention for days not archived yet.
 */
export function archiveModule(ctx: AppContext, logs: LogArchiveSource): ArchiveModule {
  const jobs = new ArchiveService(ctx.db, ctx.clock, ctx.cluster.changes, ctx.topicNames);
  const runner = new ArchiveRunner(ctx, jobs, logs);
  ctx.scheduler.addJob({ name: ARCHIVE_JOB, concurrency: 2, run: (name) => runner.run(name) });
  // A change, a run asked for, or a job loaded: due at once (it catches up, then answers its next time).
  jobs.onChange = (name) => {
    if (jobs.records().some((j) => j.spec.name === name)) ctx.scheduler.hasten(ARCHIVE_JOB, name, ctx.clock.now());
    else ctx.scheduler.cancel(ARCHIVE_JOB, name);
  };
  ctx.cluster.changes.on(ARCHIVES_TOPIC, { changed: (names) => jobs.changed(names), resync: () => jobs.load() });
  logs.hold((group, cutoff) => runner.hold(group, cutoff));
  ctx.telemetry.gauge(
    'tocsin_archive_days_failed',
    'Days an archive job could not write (kept in the log store, retried), by job.',
    async () => {
      const out = [];
      for (const j of jobs.records())
        out.push({
          labels: { job: j.spec.name },
          value: (await listDays(ctx.db, j.spec.name)).filter((d) => d.state === 'failed').length,
        });
      return out;
    },
  );
  return {
    name: 'archives',
    jobs,
    runner,
    topicReferrer: {
      section: 'archives',
      namesOf: (topic) =>
        jobs
          .records()
          .filter((j) => j.spec.topics.includes(topic))
          .map((j) => `archive job '${j.spec.name}'`),
    },
    configSections: [archiveConfigSection(jobs, ctx.topicNames)],
    routes: (app) => registerArchiveRoutes(app, ctx.tokens, jobs, runner),
    async load() {
      await jobs.load();
      for (const j of jobs.records()) ctx.scheduler.schedule(ARCHIVE_JOB, j.spec.name, ctx.clock.now());
    },
  };
}

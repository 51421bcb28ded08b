/**
 * Every migration, in order: each family in its own file. Migrations are ordered by name and never edited once
 * landed; a new one is a new entry (or a new file) at the end.
 */
import type { Migration } from 'kysely';
import { alertMigrations } from './migrations-alerts.js';
import { archiveMigrations } from './migrations-archive.js';
import { baseMigrations } from './migrations-base.js';
import { fleetMigrations } from './migrations-fleet.js';
import { commandMigrations } from './migrations-commands.js';
import { logMigrations } from './migrations-logs.js';
import { logRuleMigrations } from './migrations-log-rules.js';
import { monitorChangeMigrations } from './migrations-monitor-changes.js';
import { monitorLocationMigrations } from './migrations-monitor-locations.js';
import { scaleOutMigrations } from './migrations-scale-out.js';
import { uiMigrations } from './migrations-ui.js';

export const migrations: Record<string, Migration> = {
  ...baseMigrations,
  ...scaleOutMigrations,
  ...uiMigrations,
  ...monitorChangeMigrations,
  ...logMigrations,
  ...logRuleMigrations,
  ...archiveMigrations,
  ...fleetMigrations,
  ...commandMigrations,
  ...monitorLocationMigrations,
  ...alertMigrations,
};

/** Test support: a Tocsin (its sources module is in app.ts) with that module's service at hand. */
import type { Tocsin } from '../app.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { createTestApp } from './test-app.js';
import type { TestDatabase } from './test-databases.js';
import type { SourcesModule } from '../config/sources/sources-module.js';

export async function createSourcesTestApp(
  variant: TestDatabase['name'],
  options: { clock?: Clock; logger?: Logger; flags?: Record<string, string> } = {},
): Promise<{ tocsin: Tocsin; sources: SourcesModule['sources']; dispose(): Promise<void> }> {
  const { tocsin, dispose } = await createTestApp(variant, options);
  const sources = (tocsin.modules.find((m) => m.name === 'sources') as SourcesModule).sources;
  return { tocsin, sources, dispose };
}

/**
 * Migrations of issue 12 (the web UI and status pages). Kept apart from
 * migrations.ts only to keep files short; the migrator sees one list, in
 * name order.
 */
import type { Kysely, Migration } from 'kysely';

export const uiMigrations: Record<string, Migration> = {
  '0012_status_pages': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('status_pages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('logo_url', 'text')
        .addColumn('footer', 'text')
        // JSON: the ordered list of {type: monitor|heartbeat|group, name, label?}.
        .addColumn('items', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('incidents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('page_id', 'text', (c) => c.notNull().references('status_pages.id').onDelete('cascade'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('impact', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('resolved_at', 'bigint')
        .execute();
      await db.schema.createIndex('incidents_page').on('incidents').columns(['page_id', 'created_at']).execute();
      await db.schema
        .createTable('incident_updates')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('incident_updates_incident').on('incident_updates').column('incident_id').execute();
    },
  },
};

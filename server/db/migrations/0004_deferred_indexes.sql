-- Secondary indexes set aside while a fresh mirror is backfilled (server/db/indexes.ts): building an index once over
-- the finished table costs a fraction of keeping it up to date row by row. Each is created again from its definition
-- when the backfill ends, or before the next migration.
create table deferred_indexes (
  name text primary key,
  definition text not null,
  deferred_at timestamptz not null default now()
);

-- The event log moves into its transactions. Each transaction row holds its events in log order: their log indexes,
-- contracts and names as arrays, and their decoded arguments as one JSON array (null for the events a typed table
-- carries whole: one document parses faster than an array of documents). One row per transaction instead of one per
-- event: a backfill of a busy chain wrote a third of its rows, and spent a third of the database's time, on the event
-- log alone. `chain_events` stays, as a view with the same columns, so the audit trail reads as before: every event
-- exactly once, at its position in the chain.
--
-- It also repairs the arguments, which were stored as a JSON string holding the JSON text instead of the JSON object.
alter table chain_transactions
  add column log_indexes integer[] not null default '{}',
  add column contracts text[] not null default '{}',
  add column names text[] not null default '{}',
  add column args jsonb not null default '[]';

update chain_transactions t
set log_indexes = e.log_indexes, contracts = e.contracts, names = e.names, args = e.args
from (
  select chain_id, block_number, tx_index,
    array_agg(log_index order by log_index) as log_indexes,
    array_agg(contract order by log_index) as contracts,
    array_agg(name order by log_index) as names,
    jsonb_agg(case when jsonb_typeof(args) = 'string' then (args #>> '{}')::jsonb else args end
      order by log_index) as args
  from chain_events
  group by chain_id, block_number, tx_index
) e
where (t.chain_id, t.block_number, t.tx_index) = (e.chain_id, e.block_number, e.tx_index);

drop view chain_event_log;
drop table chain_events;

alter table chain_transactions
  add constraint chain_transactions_events_aligned check (
    cardinality(contracts) = cardinality(log_indexes) and cardinality(names) = cardinality(log_indexes) and
    jsonb_array_length(args) = cardinality(log_indexes)
  );

-- Every event, exactly once: the audit trail and the export. `args` is null for the events a typed table carries whole
-- (transfers, registrations, offers, licence sales, payments).
create view chain_events as
select t.chain_id, t.block_number, e.log_index, t.tx_index, e.contract, e.name, nullif(e.args, 'null') as args
from chain_transactions t
cross join lateral rows from (
  unnest(t.log_indexes), unnest(t.contracts), unnest(t.names), jsonb_array_elements(t.args)
) as e(log_index, contract, name, args);

-- The event log as auditors read it: each event with its transaction, block hash and time.
create view chain_event_log as
select t.chain_id, t.block_number, e.log_index, t.tx_index, t.tx_hash, t.block_hash, t."timestamp", e.contract, e.name,
  nullif(e.args, 'null') as args
from chain_transactions t
cross join lateral rows from (
  unnest(t.log_indexes), unnest(t.contracts), unnest(t.names), jsonb_array_elements(t.args)
) as e(log_index, contract, name, args);

-- The work each event of the event log concerns, so that a work's whole chain of title is one index lookup away:
-- `chain_transactions.event_works` holds, aligned with `log_indexes`, the work of each event (its workId, the
-- registry token's id, or the work of the licence grant it names; null for none), under a GIN index. The views gain
-- `work_id`.
--
-- The column cannot be filled from what the mirror holds (the events the typed tables carry keep no arguments in the
-- event log), so the mirror is emptied and rebuilt from the chain: the indexer syncs it again from its start block on
-- its next run, as for a new database. Nothing is lost: every mirrored row comes from the chain.

truncate chain_transactions, title_transfers, priority_claims, licence_payments, work_sales, balance_movements,
  works, royalty_edges, licence_offers, licence_grants, revenue_splits, revenue_pots, listings, bids, balances,
  payment_settings, currencies, indexer_state, indexer_pages, indexer_undo;

alter table chain_transactions drop constraint chain_transactions_events_aligned;
alter table chain_transactions add column event_works numeric[] not null default '{}';
alter table chain_transactions
  add constraint chain_transactions_events_aligned check (
    cardinality(event_contracts) = cardinality(log_indexes) and cardinality(event_names) = cardinality(log_indexes)
    and cardinality(event_works) = cardinality(log_indexes)
    and jsonb_array_length(args) = cardinality(log_indexes)
    and 1 <= all(event_contracts) and cardinality(contracts) >= all(event_contracts)
    and 1 <= all(event_names) and cardinality(names) >= all(event_names)
  );
create index chain_transactions_by_work on chain_transactions using gin (event_works);

create or replace view chain_events as
select t.chain_id, t.block_number, e.log_index, t.tx_index, t.contracts[e.contract] as contract,
  t.names[e.name] as name, nullif(e.args, 'null') as args, e.work_id
from chain_transactions t
cross join lateral rows from (
  unnest(t.log_indexes), unnest(t.event_contracts), unnest(t.event_names), jsonb_array_elements(t.args),
  unnest(t.event_works)
) as e(log_index, contract, name, args, work_id);

create or replace view chain_event_log as
select t.chain_id, t.block_number, e.log_index, t.tx_index, t.tx_hash, t.block_hash, t."timestamp",
  t.contracts[e.contract] as contract, t.names[e.name] as name, nullif(e.args, 'null') as args, e.work_id
from chain_transactions t
cross join lateral rows from (
  unnest(t.log_indexes), unnest(t.event_contracts), unnest(t.event_names), jsonb_array_elements(t.args),
  unnest(t.event_works)
) as e(log_index, contract, name, args, work_id);

-- A work's derivatives (the works naming it as a parent), for detail pages and the search filter.
create index works_by_parent on works using gin (parents jsonb_path_ops);

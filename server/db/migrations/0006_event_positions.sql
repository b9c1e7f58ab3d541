-- A transaction's events name their contract and their event by position in the transaction's own lists of the
-- distinct contracts and names (1-based, in order of first appearance), instead of repeating them: a busy
-- transaction's 400 events come from three contracts under six names, and the repeated addresses and names were a
-- fifth of all the text a dense backfill sends the database. The views read as before: every event with its contract
-- address and name.
alter table chain_transactions drop constraint chain_transactions_events_aligned;

alter table chain_transactions
  add column event_contracts integer[] not null default '{}',
  add column event_names integer[] not null default '{}';

with distinct_lists as (
  select chain_id, block_number, tx_index, contracts as each_contract, names as each_name,
    array(select c from unnest(contracts) with ordinality as u(c, o) group by c order by min(o)) as contracts,
    array(select n from unnest(names) with ordinality as u(n, o) group by n order by min(o)) as names
  from chain_transactions
)
update chain_transactions t
set contracts = d.contracts, names = d.names,
  event_contracts = array(
    select array_position(d.contracts, c) from unnest(d.each_contract) with ordinality as u(c, o) order by o
  ),
  event_names = array(
    select array_position(d.names, n) from unnest(d.each_name) with ordinality as u(n, o) order by o
  )
from distinct_lists d
where (t.chain_id, t.block_number, t.tx_index) = (d.chain_id, d.block_number, d.tx_index);

-- Every event has a position, and every position names an entry of its list.
alter table chain_transactions
  add constraint chain_transactions_events_aligned check (
    cardinality(event_contracts) = cardinality(log_indexes) and cardinality(event_names) = cardinality(log_indexes)
    and jsonb_array_length(args) = cardinality(log_indexes)
    and 1 <= all(event_contracts) and cardinality(contracts) >= all(event_contracts)
    and 1 <= all(event_names) and cardinality(names) >= all(event_names)
  );

create or replace view chain_events as
select t.chain_id, t.block_number, e.log_index, t.tx_index, t.contracts[e.contract] as contract,
  t.names[e.name] as name, nullif(e.args, 'null') as args
from chain_transactions t
cross join lateral rows from (
  unnest(t.log_indexes), unnest(t.event_contracts), unnest(t.event_names), jsonb_array_elements(t.args)
) as e(log_index, contract, name, args);

create or replace view chain_event_log as
select t.chain_id, t.block_number, e.log_index, t.tx_index, t.tx_hash, t.block_hash, t."timestamp",
  t.contracts[e.contract] as contract, t.names[e.name] as name, nullif(e.args, 'null') as args
from chain_transactions t
cross join lateral rows from (
  unnest(t.log_indexes), unnest(t.event_contracts), unnest(t.event_names), jsonb_array_elements(t.args)
) as e(log_index, contract, name, args);

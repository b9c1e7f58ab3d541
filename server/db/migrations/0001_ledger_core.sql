-- The indexer's bookkeeping, the event log and the first derived tables. Amounts and token ids are numeric(78,0)
-- (every uint256), addresses lower-case 0x-hex, and the chain id is part of every key.

create extension if not exists pg_trgm;

-- How far each chain is mirrored: the last block whose logs are fully applied, committed with them.
create table indexer_state (
  chain_id bigint primary key,
  synced_block bigint not null,
  synced_hash text not null,
  updated_at timestamptz not null default now()
);

-- Hashes of the applied blocks that are not final yet (each page's last block, and every block that had logs): when the
-- chain no longer has the synced block's hash, the indexer rolls back to the highest recorded block whose hash still
-- matches and replays from there.
create table indexer_blocks (
  chain_id bigint not null,
  number bigint not null,
  hash text not null,
  primary key (chain_id, number)
);

-- Every decoded event, exactly once (the key is its position in the chain): the audit trail, the export, and what a
-- rollback deletes above the common ancestor.
create table chain_events (
  chain_id bigint not null,
  block_number bigint not null,
  log_index integer not null,
  block_hash text not null,
  tx_hash text not null,
  contract text not null,
  name text not null,
  args jsonb not null,
  -- The block time, from the event itself or a Titlechain event of the same transaction; null only for ERC standard
  -- events alone in their transaction (approvals), which carry no time.
  "timestamp" timestamptz,
  primary key (chain_id, block_number, log_index)
);
create index chain_events_by_name on chain_events (chain_id, name, block_number, log_index);

-- Registered works, with their metadata denormalised for search once fetched and validated.
create table works (
  chain_id bigint not null,
  work_id numeric(78, 0) not null,
  content_hash text not null,
  creator text not null,
  owner text not null,
  registered_at timestamptz not null,
  royalty_receiver text not null,
  royalty_bps integer not null check (royalty_bps between 0 and 10000),
  metadata_cid text not null,
  pledged boolean not null default false,
  disputed boolean not null default false,
  moves integer not null default 0,
  block_number bigint not null,
  metadata_status text not null default 'pending'
    check (metadata_status in ('pending', 'ok', 'invalid', 'unavailable')),
  metadata_error text,
  metadata_attempts integer not null default 0,
  name text,
  name_zh text,
  name_en text,
  description text,
  technique text,
  region text,
  tags text[] not null default '{}',
  search_text text not null default '',
  primary key (chain_id, work_id)
);
create index works_by_creator on works (chain_id, creator, registered_at, work_id);
create index works_by_owner on works (chain_id, owner);
create index works_by_time on works (chain_id, registered_at, work_id);
create index works_by_technique on works (chain_id, technique);
create index works_metadata_pending on works (chain_id, metadata_status) where metadata_status <> 'ok';
create index works_search_trgm on works using gin (search_text gin_trgm_ops);

-- Every change of holder, with its deed when it was an assignment.
create table title_transfers (
  chain_id bigint not null,
  block_number bigint not null,
  log_index integer not null,
  tx_hash text not null,
  work_id numeric(78, 0) not null,
  from_address text not null,
  to_address text not null,
  deed_hash text,
  deed_cid text,
  "timestamp" timestamptz not null,
  primary key (chain_id, block_number, log_index)
);
create index title_transfers_by_work on title_transfers (chain_id, work_id, block_number, log_index);

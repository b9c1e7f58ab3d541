-- The whole ledger mirrored: the registry, the licence ledger and the exchange. The mirror is a cache of the chain, so
-- this migration reshapes it from scratch and the indexer re-syncs from its start block.
--
-- Conventions: amounts and token ids numeric(78,0); addresses lower-case 0x-hex (the zero address for the native
-- coin); times timestamptz; the chain id in every key. Tables of facts (one row per event, keyed by its position in the
-- chain) are append-only; tables of things (works, offers, grants...) hold the current state.

drop table title_transfers, works, chain_events, indexer_blocks, indexer_state;

-- How far each chain is mirrored: the last block whose logs are fully applied, committed with them.
create table indexer_state (
  chain_id bigint primary key,
  synced_block bigint not null,
  synced_hash text,
  updated_at timestamptz not null default now()
);

-- The pages (block ranges) applied that are not final yet, with the hash of their last block, plus the highest final
-- page as the anchor. A reorg rolls back whole pages, newest first, to the highest page whose hash the chain still has.
create table indexer_pages (
  chain_id bigint not null,
  from_block bigint not null,
  to_block bigint not null,
  to_hash text not null,
  primary key (chain_id, to_block)
);

-- Pre-images of the rows of things each unfinal page changed (null: the row did not exist): rolling a page back puts
-- them back. Facts need none: they are deleted by block number.
create table indexer_undo (
  chain_id bigint not null,
  page_to bigint not null,
  tbl text not null,
  key jsonb not null,
  "row" jsonb
);
create index indexer_undo_by_page on indexer_undo (chain_id, page_to);

-- Every transaction that emitted an event, with its block.
create table chain_transactions (
  chain_id bigint not null,
  block_number bigint not null,
  tx_index integer not null,
  tx_hash text not null,
  block_hash text not null,
  "timestamp" timestamptz,
  primary key (chain_id, block_number, tx_index)
);
create index chain_transactions_by_hash on chain_transactions (tx_hash);

-- Every event, exactly once (the key is its position in the chain): the audit trail and the export. `args` holds the
-- decoded arguments of the events no typed table carries whole (commitments, batches, roles, approvals...); the bulk
-- (transfers, registrations, offers, licence sales, payments) is in the typed tables and has null here.
create table chain_events (
  chain_id bigint not null,
  block_number bigint not null,
  log_index integer not null,
  tx_index integer not null,
  contract text not null,
  name text not null,
  args jsonb,
  primary key (chain_id, block_number, log_index)
);

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
  parents jsonb not null default '[]',
  metadata_cid text not null,
  pledged boolean not null default false,
  pledgee text,
  pledge_maturity timestamptz,
  -- The pledgee the licence ledger has consent from to sell licences while pledged.
  licence_consent text,
  disputed boolean not null default false,
  moves integer not null default 0,
  pledges integer not null default 0,
  block_number bigint not null,
  metadata_status text not null default 'pending'
    check (metadata_status in ('pending', 'ok', 'invalid', 'unavailable')),
  metadata_error text,
  metadata_attempts integer not null default 0,
  metadata_retry_at timestamptz,
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
create index works_metadata_pending on works (chain_id, metadata_retry_at) where metadata_status <> 'ok';
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

-- Licence offers, as the ledger's offerOf reads them; a sublicence is a closed one-grant offer.
create table licence_offers (
  chain_id bigint not null,
  work_id numeric(78, 0) not null,
  offer_index integer not null,
  licensor text not null,
  kind smallint not null,
  status smallint not null,
  uses smallint not null,
  fields integer not null,
  transferable boolean not null,
  territory jsonb not null,
  supply integer not null,
  sold integer not null,
  start_at bigint not null,
  end_at bigint not null,
  duration bigint not null,
  currency text not null,
  price numeric(78, 0) not null,
  moves integer not null,
  terms_hash text not null,
  derivative_royalty_bps integer not null,
  text_hash text not null,
  text_cid text not null,
  parent_grant_id numeric(78, 0),
  created_at timestamptz not null,
  primary key (chain_id, work_id, offer_index)
);
create index licence_offers_open on licence_offers (chain_id, work_id) where status = 1;

-- Licence grants (one per licence token). `state` is 1 live, 2 terminated, 3 surrendered; whether a live grant is
-- scheduled, active or expired follows from the time, and a sublicence ends with its parent.
create table licence_grants (
  chain_id bigint not null,
  grant_id numeric(78, 0) not null,
  work_id numeric(78, 0) not null,
  offer_index integer not null,
  serial integer not null,
  holder text not null,
  start_at bigint not null,
  end_at bigint not null,
  state smallint not null,
  transferable boolean not null,
  parent_grant_id numeric(78, 0) not null,
  granted_at timestamptz not null,
  primary key (chain_id, grant_id)
);
create index licence_grants_by_work on licence_grants (chain_id, work_id);
create index licence_grants_by_holder on licence_grants (chain_id, holder);

-- Every licence payment: purchases and renewals.
create table licence_payments (
  chain_id bigint not null,
  block_number bigint not null,
  log_index integer not null,
  grant_id numeric(78, 0) not null,
  work_id numeric(78, 0) not null,
  kind text not null check (kind in ('purchase', 'renewal')),
  payer text not null,
  currency text not null,
  price numeric(78, 0) not null,
  fee numeric(78, 0) not null,
  split_version integer not null,
  payee text not null,
  end_at bigint not null,
  "timestamp" timestamptz not null,
  primary key (chain_id, block_number, log_index)
);
create index licence_payments_by_work on licence_payments (chain_id, work_id);

-- Revenue splits: the payees of each version of a work's split.
create table revenue_splits (
  chain_id bigint not null,
  work_id numeric(78, 0) not null,
  version integer not null,
  owner text not null,
  payees jsonb not null,
  set_at timestamptz not null,
  primary key (chain_id, work_id, version)
);

-- What each split's pot received and released, per currency.
create table revenue_pots (
  chain_id bigint not null,
  work_id numeric(78, 0) not null,
  version integer not null,
  currency text not null,
  received numeric(78, 0) not null,
  released numeric(78, 0) not null,
  primary key (chain_id, work_id, version, currency)
);

-- Fixed-price listings on the exchange, as listingOf reads them (a listing is void once the work moved or was
-- pledged: compare `moves` and `pledges` with the work's).
create table listings (
  chain_id bigint not null,
  work_id numeric(78, 0) not null,
  seller text not null,
  currency text not null,
  price numeric(78, 0) not null,
  expiry bigint not null,
  moves integer not null,
  pledges integer not null,
  listed_at timestamptz not null,
  primary key (chain_id, work_id)
);

-- Escrowed bids on the exchange.
create table bids (
  chain_id bigint not null,
  work_id numeric(78, 0) not null,
  bidder text not null,
  currency text not null,
  amount numeric(78, 0) not null,
  expiry bigint not null,
  placed_at timestamptz not null,
  primary key (chain_id, work_id, bidder)
);

-- Every sale of a work on the exchange.
create table work_sales (
  chain_id bigint not null,
  block_number bigint not null,
  log_index integer not null,
  work_id numeric(78, 0) not null,
  seller text not null,
  buyer text not null,
  by_bid boolean not null,
  currency text not null,
  price numeric(78, 0) not null,
  royalty_receiver text not null,
  royalty numeric(78, 0) not null,
  fee numeric(78, 0) not null,
  "timestamp" timestamptz not null,
  primary key (chain_id, block_number, log_index)
);
create index work_sales_by_work on work_sales (chain_id, work_id);

-- What each contract owes each account (pull payments), as owed() reads it.
create table balances (
  chain_id bigint not null,
  contract text not null,
  account text not null,
  currency text not null,
  owed numeric(78, 0) not null,
  primary key (chain_id, contract, account, currency)
);

-- Every credit and withdrawal of those balances (withdrawals negative).
create table balance_movements (
  chain_id bigint not null,
  block_number bigint not null,
  log_index integer not null,
  seq integer not null,
  contract text not null,
  account text not null,
  currency text not null,
  amount numeric(78, 0) not null,
  reason text not null,
  work_id numeric(78, 0),
  "timestamp" timestamptz not null,
  primary key (chain_id, block_number, log_index, seq)
);
create index balances_by_account on balances (chain_id, account);
create index balance_movements_by_account on balance_movements (chain_id, account);

-- Platform fee settings and currencies of each paying contract.
create table payment_settings (
  chain_id bigint not null,
  contract text not null,
  treasury text not null,
  fee_bps integer not null,
  primary key (chain_id, contract)
);
create table currencies (
  chain_id bigint not null,
  contract text not null,
  currency_id integer not null,
  token text not null,
  allowed boolean not null,
  primary key (chain_id, contract, currency_id)
);

-- The event log as auditors read it: each event with its transaction, block hash and time.
create view chain_event_log as
select e.chain_id, e.block_number, e.log_index, e.tx_index, t.tx_hash, t.block_hash, t."timestamp", e.contract, e.name,
  e.args
from chain_events e
join chain_transactions t using (chain_id, block_number, tx_index);

-- What the contracts' derivative royalties, priority claims and encumbrances add to the mirror. Works gain the time
-- their registration was recorded, their encumbrance count, whether they owe derivative royalties, and a pledgee's
-- consent held per pledge (the pledge's number) instead of per pledgee; bids the encumbrance count they are bound to;
-- licence payments and sales the derivative royalty they paid to the work's parents; withdrawals who called them;
-- currencies which contract keeps them. New: the derivative royalty edges, and the facts of priority claims. Rows
-- mirrored before this migration (from contracts that had none of this) get what the mirror itself tells, zeros
-- otherwise; pending undo records are brought to the new columns, so a reorg just after the upgrade still rolls back.

alter table works
  add column recorded_at timestamptz,
  add column encumbrances integer not null default 0,
  add column owes_royalties boolean not null default false,
  add column licence_consent_pledge integer not null default 0;

-- The registry records a reveal's time to the day: its priority time plus the whole days, rounded up, until the block
-- that registered it (at most 65,535); a direct registration's block is its priority time.
update works w
set recorded_at = w.registered_at + make_interval(
  days => least(65535, ceil(greatest(extract(epoch from b.at - w.registered_at), 0) / 86400))::integer
)
from (
  select chain_id, block_number, max("timestamp") as at from chain_transactions group by chain_id, block_number
) b
where (b.chain_id, b.block_number) = (w.chain_id, w.block_number) and b.at is not null;
update works set recorded_at = registered_at where recorded_at is null;
alter table works alter column recorded_at set not null;

-- Consent now belongs to one pledge: the pledge in force when its pledgee consented.
update works set licence_consent_pledge = pledges where pledged and licence_consent = pledgee;
alter table works drop column licence_consent;
comment on column works.licence_consent_pledge is
  'the pledge (the registry''s pledges count) whose pledgee allows licence sales; 0: none. Sales of a pledged work '
  'are allowed while it equals pledges';

-- A bid can be accepted only while the work's encumbrance count equals the one it was placed at.
alter table bids add column encumbrances integer not null default 0;
alter table licence_payments add column royalty numeric(78, 0) not null default 0;
alter table work_sales add column parent_royalty numeric(78, 0) not null default 0;
alter table balance_movements add column withdrawn_by text;
comment on column balance_movements.withdrawn_by is
  'for a withdrawal, who called it (the account itself, or anyone through withdrawFor); null for credits';
alter table currencies add column source text check (source in ('ledger', 'exchange'));
comment on column currencies.source is
  'the contract keeping the list, ledger or exchange; null for rows mirrored before migration 8';

-- The parents each derivative was licensed from, in the order the registry named them (`edge_index` from 0), with the
-- grant that licensed it and the derivative royalty its terms set (0: none owed). The edges with a royalty, in order,
-- are the ledger's royaltyParentsOf. A priority claim deletes a work's edges: the registration that owed them is
-- displaced (the event log keeps them).
create table royalty_edges (
  chain_id bigint not null,
  work_id numeric(78, 0) not null,
  edge_index integer not null,
  parent_id numeric(78, 0) not null,
  grant_id numeric(78, 0) not null,
  royalty_bps integer not null check (royalty_bps between 0 and 10000),
  licensed_at timestamptz not null,
  primary key (chain_id, work_id, edge_index)
);
create index royalty_edges_by_parent on royalty_edges (chain_id, parent_id);

-- Every priority claim: a reveal that took a work's title from a later registration of the same file. Both
-- registrations stay on record: the claimant's (which the works row now holds) and the displaced one as the works row
-- held it just before (creator, holder, times, metadata, royalty, parents, whether it owed derivative royalties), with
-- the pledgee whose pledge the claim cleared (null: none). The move of the token is in title_transfers.
create table priority_claims (
  chain_id bigint not null,
  block_number bigint not null,
  log_index integer not null,
  tx_hash text not null,
  work_id numeric(78, 0) not null,
  creator text not null,
  holder text not null,
  registered_at timestamptz not null,
  recorded_at timestamptz not null,
  metadata_cid text not null,
  royalty_receiver text not null,
  royalty_bps integer not null,
  displaced_creator text not null,
  displaced_holder text not null,
  displaced_registered_at timestamptz not null,
  displaced_recorded_at timestamptz not null,
  displaced_metadata_cid text not null,
  displaced_royalty_receiver text not null,
  displaced_royalty_bps integer not null,
  displaced_parents jsonb not null,
  displaced_owed_royalties boolean not null,
  cleared_pledgee text,
  "timestamp" timestamptz not null,
  primary key (chain_id, block_number, log_index)
);
create index priority_claims_by_work on priority_claims (chain_id, work_id);

-- Undo records hold rows as the indexer wrote them (times as Unix seconds): a work's pre-image takes the recorded time
-- of its registration (the same registration as the row now: works are never deleted) and the consent of its pledge;
-- a bid's, the count no bid had before.
update indexer_undo u
set prior = (
  select coalesce(jsonb_agg(
    (r - 'licence_consent') || jsonb_build_object(
      'recorded_at', coalesce(
        (select to_jsonb(extract(epoch from w.recorded_at)::float8) from works w
         where w.chain_id = u.chain_id and w.work_id = (r ->> 'work_id')::numeric),
        r -> 'registered_at'
      ),
      'encumbrances', 0,
      'owes_royalties', false,
      'licence_consent_pledge',
        case when (r ->> 'pledged')::boolean and r ->> 'licence_consent' = r ->> 'pledgee'
          then (r ->> 'pledges')::integer else 0 end
    ) order by o), '[]')
  from jsonb_array_elements(u.prior) with ordinality as e(r, o)
)
where tbl = 'works';
update indexer_undo u
set prior = (
  select coalesce(jsonb_agg(r || '{"encumbrances": 0}' order by o), '[]')
  from jsonb_array_elements(u.prior) with ordinality as e(r, o)
)
where tbl = 'bids';

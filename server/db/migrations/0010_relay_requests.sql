-- The gasless relay's queue: each creator-signed request the platform submits, from acceptance to its mined or failed
-- end. A request is written before its transaction is signed, and the signed transaction (with the relayer's nonce)
-- before it is broadcast, so a relayer that crashes rebroadcasts the very same transaction instead of spending a
-- nonce twice or losing a request.
create table relay_requests (
  id text primary key,
  chain_id bigint not null,
  kind text not null check (kind in ('register', 'commit', 'reveal')),
  -- The creator who signed; the file's sha256 (null for a commitment, which hides it).
  creator text not null,
  content_hash text,
  commitment text,
  -- The calldata's arguments as the relayer received and checked them (JSON, amounts as decimal strings).
  request jsonb not null,
  status text not null check (status in ('queued', 'submitted', 'mined', 'failed')),
  error text,
  relayer text,
  relayer_nonce bigint,
  raw_tx text,
  tx_hash text,
  block_number bigint,
  gas_used numeric(78, 0),
  client_ip text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index relay_requests_queue on relay_requests (chain_id, status, created_at) where status in ('queued', 'submitted');
create index relay_requests_by_creator on relay_requests (chain_id, creator, created_at);
create index relay_requests_by_ip on relay_requests (client_ip, created_at);
-- One request at a time per file and per commitment: a second while the first is pending is refused.
create unique index relay_requests_one_pending_per_file on relay_requests (chain_id, content_hash)
  where status in ('queued', 'submitted') and content_hash is not null;
create unique index relay_requests_one_pending_per_commitment on relay_requests (chain_id, commitment)
  where status in ('queued', 'submitted') and commitment is not null;
-- A relayer nonce is used by one request only.
create unique index relay_requests_nonce on relay_requests (chain_id, relayer, relayer_nonce) where relayer_nonce is not null;

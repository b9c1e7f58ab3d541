-- The server's receipt of each uploaded file: when it first arrived, which an evidence bundle states. Kept by content
-- hash, chain-independent, the first receipt only; a later upload of the same bytes does not move it.
create table uploads (
  sha256 text primary key,
  cid text not null,
  size bigint not null,
  media_type text not null,
  received_at timestamptz not null default now()
);

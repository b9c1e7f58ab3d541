-- Creator profiles: the newest profile each account signed (EIP-712 `Profile`, core/eip712.ts), with its signature so
-- anyone can check it. Texts are untrusted, shown as text only.
create table profiles (
  chain_id bigint not null,
  account text not null,
  name_zh text not null,
  name_en text not null,
  craft text not null,
  region text not null,
  bio text not null,
  avatar_cid text not null,
  links jsonb not null,
  issued_at bigint not null,
  signature text not null,
  updated_at timestamptz not null default now(),
  primary key (chain_id, account)
);

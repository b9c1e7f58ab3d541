-- A relayed transaction's block is kept by hash until it is final (the indexer's finality depth below the head): a
-- reorg that takes the block away puts the request back to submitted and its very same transaction is sent again, so
-- neither the request nor the relayer's nonce is lost. Requests settled before this column existed count as final.
alter table relay_requests add column block_hash text, add column final boolean not null default false;
update relay_requests set final = true;

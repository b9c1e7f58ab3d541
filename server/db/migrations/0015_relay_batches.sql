-- Batches of commitments: the relayer collects the commitments creators asked to have batched and anchors the Merkle
-- root of each batch in one `anchorBatch` transaction, a request of kind 'anchor' (the relayer's own). Each batched
-- commitment names its batch; it is mined or failed with it, and its Merkle proof comes from the batch's leaves.
alter table relay_requests drop constraint relay_requests_kind_check;
alter table relay_requests add constraint relay_requests_kind_check
  check (kind in ('register', 'commit', 'reveal', 'anchor'));
alter table relay_requests add column batch_id text references relay_requests (id);
create index relay_requests_by_batch on relay_requests (batch_id) where batch_id is not null;

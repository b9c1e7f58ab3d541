-- A creator's many leaves of one anchored batch revealed in one `revealBatchWithSig` transaction: a request of kind
-- 'revealBatch', known by the hash of its leaves (in the commitment column: the same set is relayed once at a time).
alter table relay_requests drop constraint relay_requests_kind_check;
alter table relay_requests add constraint relay_requests_kind_check
  check (kind in ('register', 'commit', 'reveal', 'anchor', 'revealBatch'));

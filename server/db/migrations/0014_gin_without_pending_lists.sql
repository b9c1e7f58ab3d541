-- The GIN indexes (full text, parents, the works of the event log) take each new entry into the index itself, not
-- into a pending list: a search scans the whole pending list on every lookup until a vacuum merges it, and PGlite runs
-- no autovacuum, so after the metadata of 100,000 works a lookup of a work's derivatives took 9 ms instead of 1 and a
-- search scanned megabytes of pending entries. The pending entries already there are merged now.
alter index works_search_trgm set (fastupdate = off);
alter index works_by_parent set (fastupdate = off);
alter index chain_transactions_by_work set (fastupdate = off);
select gin_clean_pending_list('works_search_trgm'::regclass);
select gin_clean_pending_list('works_by_parent'::regclass);
select gin_clean_pending_list('chain_transactions_by_work'::regclass);

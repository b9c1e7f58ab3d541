-- Free-text search reads a term index that each API process holds in memory (server/indexer/search-index.ts) and keeps
-- current by revision: every write of a work's searchable text takes the next search_rev under a lock held until it
-- commits (server/indexer/metadata.ts), so revisions commit in order and a reader that has read revision r has read
-- every write before it. Rows written without searchable text keep revision 0. The trigram index is no longer read:
-- two-character Chinese terms could not use it, and ranking every match by similarity cost 40 µs a match.
create sequence works_search_rev;
alter table works add column search_rev bigint not null default 0;
update works set search_rev = nextval('works_search_rev') where search_text <> '';
create index works_by_search_rev on works (chain_id, search_rev);
drop index works_search_trgm;

-- A page that is not final records what undoes it. Until now that was one row per row the page touched, with its key
-- and its pre-image as two JSON documents; now it is one row per page and table: the keys of the rows the page created
-- (`created`) and the rows it changed or deleted as they were (`prior`), each a JSON array: a busy chain's page touches
-- hundreds of rows, and each undo row is a tuple, an index entry and JSON documents to write.
alter table indexer_undo add column created jsonb, add column prior jsonb, alter column key drop not null;

insert into indexer_undo (chain_id, page_to, tbl, created, prior)
select chain_id, page_to, tbl,
  coalesce(jsonb_agg(key order by key) filter (where "row" is null), '[]'),
  coalesce(jsonb_agg("row" order by key) filter (where "row" is not null), '[]')
from indexer_undo
where created is null
group by chain_id, page_to, tbl;

delete from indexer_undo where created is null;

alter table indexer_undo
  drop column key,
  drop column "row",
  alter column created set not null,
  alter column prior set not null,
  add constraint indexer_undo_one_per_page_and_table unique (chain_id, page_to, tbl);

drop index indexer_undo_by_page;

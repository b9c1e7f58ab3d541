-- Near-duplicate images found once, not on every read: when the metadata fetcher records a work's fingerprint it
-- compares it with every other (core/phash.ts's distance, in SQL) and keeps each pair within the threshold here, both
-- ways round, so a work's detail lists its near-duplicates by an index lookup among any number of works.
create table near_duplicates (
  chain_id bigint not null,
  work_id numeric(78, 0) not null,
  other_work_id numeric(78, 0) not null,
  distance smallint not null,
  primary key (chain_id, work_id, other_work_id)
);
create index near_duplicates_by_other on near_duplicates (chain_id, other_work_id);

-- Fingerprints recorded before this migration have no pairs: the fetcher records them again, with their pairs, as it
-- fetches those works' metadata anew (one comparison per work, instead of every pair at once here).
delete from image_fingerprints;
update works set metadata_status = 'pending', metadata_retry_at = null where metadata_status = 'ok';

-- The radius of each fingerprint (how many bits its farthest crop variant is from its pHash), by which a comparison
-- skips, exactly, the fingerprints that cannot be near (server/indexer/near-duplicates.ts).
alter table image_fingerprints add column radius smallint not null;

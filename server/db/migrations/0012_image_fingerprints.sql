-- Prior art at scale: the perceptual fingerprint (a 64-bit DCT pHash and its 15 crop variants, core/phash.ts) of
-- every registered image work whose file the content store holds, computed beside the metadata fetch. Near-duplicate
-- queries compare a fingerprint with every row in SQL (bit_count of the XOR), as core/phash.ts's fingerprintDistance.
create table image_fingerprints (
  chain_id bigint not null,
  work_id numeric(78, 0) not null,
  hash bigint not null,
  variants bigint[] not null,
  primary key (chain_id, work_id)
);

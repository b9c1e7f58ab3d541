-- The work's file as its metadata names it (CID and declared media type), kept beside the searchable text when the
-- metadata is fetched: a work's page can ask for its image without first reading the metadata document. Works already
-- fetched are fetched again to fill them in.
alter table works add column content_cid text, add column content_type text;
update works set metadata_status = 'pending', metadata_retry_at = null where metadata_status = 'ok';

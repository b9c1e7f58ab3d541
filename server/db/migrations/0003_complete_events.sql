-- What the typed tables need to carry the events the event log keeps no arguments of, whole: the metadata CID a work was
-- registered with (later metadata changes replace `metadata_cid`), and an offer's terms start as the terms say it (the
-- terms hash covers it; `start_at` is the later of it and the offer's creation).
alter table works add column registered_metadata_cid text;
alter table licence_offers add column terms_start bigint;
comment on column licence_payments.payer is
  'the renewal''s payer; for a purchase the licensee (the paying account is the operator of the licence token''s '
  'TransferSingle in the event log)';

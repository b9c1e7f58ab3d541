// The contracts' events as entries of a chain of title, named for people: one list for the API and the evidence.
/** Standard token events (Transfer...) repeat these and are left out of a chain of title. */
export const TITLE_KINDS: Readonly<Record<string, string>> = {
  WorkRegistered: "registration",
  WorkDerived: "derivation",
  CommitmentRevealed: "reveal",
  PriorityClaimed: "priorityClaim",
  TitleTransferred: "transfer",
  AssignmentRecorded: "assignmentDeed",
  MetadataChanged: "metadataChange",
  WorkPledged: "pledge",
  PledgeReleased: "pledgeReleased",
  PledgeForeclosed: "pledgeForeclosed",
  DisputeFlagged: "disputeFlagged",
  DisputeCleared: "disputeCleared",
  DerivativeAuthorised: "derivativeAuthorised",
  OfferCreated: "offerCreated",
  OfferRepriced: "offerRepriced",
  OfferStatusChanged: "offerStatusChanged",
  LicencePurchased: "licencePurchased",
  LicenceRenewed: "licenceRenewed",
  LicenceTerminated: "licenceTerminated",
  LicenceSurrendered: "licenceSurrendered",
  LicenceTransferred: "licenceTransferred",
  SublicenceIssued: "sublicenceIssued",
  SplitsSet: "splitsSet",
  RevenueReleased: "revenueReleased",
  PledgeeConsentSet: "pledgeeConsent",
  DerivativeLicensed: "derivativeLicensed",
  DerivativeRoyaltiesCleared: "derivativeRoyaltiesCleared",
  RoyaltyCredited: "royaltyCredited",
  RoyaltiesPaidIn: "royaltiesPaidIn",
  DerivativeGrantSelected: "derivativeGrantSelected",
  WorkListed: "listed",
  ListingCancelled: "listingCancelled",
  WorkSold: "sale",
  BidPlaced: "bidPlaced",
  BidWithdrawn: "bidWithdrawn",
};

/** The events that anchor a commitment before its reveal: they concern the commitment, not yet a work. */
export const ANCHOR_KINDS: Readonly<Record<string, string>> = { Committed: "commitment", BatchAnchored: "batchAnchor" };

/** The kinds of entry an audit trail can be filtered by (the API's `kinds`, the web's explorer): each a kind above. */
export const AUDIT_KINDS = [
  "registration",
  "priorityClaim",
  "transfer",
  "assignmentDeed",
  "sale",
  "licencePurchased",
  "licenceRenewed",
  "licenceTerminated",
  "licenceSurrendered",
  "licenceTransferred",
  "sublicenceIssued",
  "pledge",
  "pledgeReleased",
  "pledgeForeclosed",
  "disputeFlagged",
  "disputeCleared",
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

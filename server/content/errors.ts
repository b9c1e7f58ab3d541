/** Why a content-store operation failed: a stable code for programs (and HTTP mapping) and a sentence for people. */
export type ContentErrorCode = "NotFound" | "Corrupt" | "TooLarge" | "InvalidCid" | "NotAFile" | "InvalidRange";

export class ContentError extends Error {
  readonly code: ContentErrorCode;
  constructor(code: ContentErrorCode, message: string) {
    super(message);
    this.name = "ContentError";
    this.code = code;
  }
}

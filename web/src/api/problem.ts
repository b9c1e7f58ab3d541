// What went wrong with a call to the API, as its problem document says: a pure type the pages and the tests share.

/** What went wrong, as the API's problem document says (or `Network` when no answer came). */
export type Problem = { status: number; code: string; detail: string; field?: string };

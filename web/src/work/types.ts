// The work page's data as the API's OpenAPI document types it.
import type { paths } from "../../../client/index.ts";

type Json<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { "application/json": infer T } } } };
}
  ? T
  : never;

export type WorkDetail = Json<"/api/works/{workId}">;
export type Offer = WorkDetail["offers"][number];
export type Title = Json<"/api/works/{workId}/title">;
export type TitleEntry = Title["entries"][number];

// A work's image from the content store, when its metadata says its file is a raster image (never SVG or HTML).
import { DRAWN_IMAGE } from "../../../core/media-types.ts";
import { api, call, useApi } from "../api/client.ts";

type Content = { cid: string; mediaType: string };

/** The image of a work whose file is known (the work's detail carries it): nothing when it is not a drawn type. */
export function ContentImage({ content, alt, size }: { content: Content | null; alt: string; size: number }) {
  if (content === null || !DRAWN_IMAGE.test(content.mediaType)) return null;
  return (
    <img className="work-image" src={`/ipfs/${encodeURIComponent(content.cid)}`} alt={alt} width={size} height={size} />
  );
}

/** The image of the work whose metadata is at `metadataCid`: an empty box while loading, nothing if not an image. */
export function WorkImage({ metadataCid, alt, size = 192 }: { metadataCid: string; alt: string; size?: number }) {
  const metadata = useApi(metadataCid, () =>
    call(api.GET("/api/metadata/{cid}", { params: { path: { cid: metadataCid } } })),
  );
  // While the metadata loads, an empty box of the image's size holds its place: the page below does not jump.
  if (metadata.state === "loading") {
    return <svg className="work-image" width={size} height={size} viewBox={`0 0 ${size} ${size}`} aria-hidden="true" />;
  }
  if (metadata.state !== "done") return null;
  const content = (metadata.data as { content?: { cid?: unknown; mediaType?: unknown } }).content;
  if (typeof content?.cid !== "string" || typeof content.mediaType !== "string") return null;
  return <ContentImage content={{ cid: content.cid, mediaType: content.mediaType }} alt={alt} size={size} />;
}

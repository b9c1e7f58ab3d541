// A work's image from the content store, when its metadata says its file is a raster image (never SVG or HTML).
import { api, call, useApi } from "../api/client.ts";

/** Raster types a browser draws without running anything; the gateway serves them with nosniff. */
const DRAWN = /^image\/(png|jpeg|gif|webp|avif)$/;

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
  if (typeof content?.cid !== "string" || typeof content.mediaType !== "string" || !DRAWN.test(content.mediaType)) {
    return null;
  }
  return (
    <img className="work-image" src={`/ipfs/${encodeURIComponent(content.cid)}`} alt={alt} width={size} height={size} />
  );
}

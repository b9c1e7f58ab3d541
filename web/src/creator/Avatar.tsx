// A creator's picture as its signed profile names it: a raster image from the server's gateway, or nothing.

/** The picture at `cid`, `size` pixels square (nothing when the profile names none). */
export function Avatar({ cid, alt, size = 96 }: { cid: string; alt: string; size?: number }) {
  if (cid === "") return null;
  return <img className="avatar" src={`/ipfs/${encodeURIComponent(cid)}`} alt={alt} width={size} height={size} />;
}

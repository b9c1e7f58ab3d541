// An account shown in full, as a link to its creator page (/creators/<address>).
import { Link } from "wouter";
import { Hex } from "../ui/Hex.tsx";

/** The path of an account's creator page. */
export const creatorPath = (account: string) => `/creators/${account.toLowerCase()}`;

export function CreatorLink({ account }: { account: string }) {
  return (
    <Link href={creatorPath(account)}>
      <Hex value={account} />
    </Link>
  );
}

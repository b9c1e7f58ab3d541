// Who signs, kept for the whole visit: chosen once (on any page that needs it) and shared by every page after.
import { createContext, type ReactNode, useContext, useState } from "react";
import type { Signer } from "./signer.ts";

type AccountState = { signer: Signer | null; setSigner: (signer: Signer | null) => void };

const AccountContext = createContext<AccountState>({ signer: null, setSigner: () => undefined });

/** Holds the visit's signer; the account code itself loads only with the pages that sign. */
export function AccountProvider({ children }: { children: ReactNode }) {
  const [signer, setSigner] = useState<Signer | null>(null);
  return <AccountContext.Provider value={{ signer, setSigner }}>{children}</AccountContext.Provider>;
}

/** The visit's signer and the way to change it. */
export function useAccount(): AccountState {
  return useContext(AccountContext);
}

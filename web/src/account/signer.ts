// Who signs: the built-in account's key in this page, or an injected wallet asked through EIP-1193; one interface.
import {
  type Address,
  createWalletClient,
  custom,
  type EIP1193Provider,
  type Hex,
  type TypedDataDefinition,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** A typed message as core's builders return it (domain, types, primary type, message). */
export type TypedData = TypedDataDefinition;

export type Signer = {
  kind: "local" | "wallet";
  address: Address;
  /** The wallet's name, or empty for the built-in account. */
  name: string;
  signTypedData: (typedData: TypedData) => Promise<Hex>;
  /** The wallet, for transactions it sends and pays for itself (none for the built-in account). */
  provider?: EIP1193Provider;
};

/** The built-in account, its key held in this page's memory until the page is closed. */
export function localSigner(privateKey: Hex): Signer {
  const account = privateKeyToAccount(privateKey);
  return { kind: "local", address: account.address, name: "", signTypedData: (td) => account.signTypedData(td) };
}

/** An injected wallet's first account, after the user lets this page see it (`eth_requestAccounts`). */
export async function walletSigner(provider: EIP1193Provider, name: string): Promise<Signer> {
  const client = createWalletClient({ transport: custom(provider) });
  const [address] = await client.requestAddresses();
  if (!address) throw new Error("the wallet gave no account");
  return {
    kind: "wallet",
    address,
    name,
    provider,
    signTypedData: (td) => client.signTypedData({ account: address, ...td } as never),
  };
}

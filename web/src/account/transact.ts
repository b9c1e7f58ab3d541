// A transaction the user's wallet signs and pays for: sent through EIP-1193, followed to its receipt on the chain node.
import {
  type Abi,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  type Hash,
  http,
  type TransactionReceipt,
} from "viem";
import type { Signer } from "./signer.ts";

/** The chain node the server names for this page (the policy lets the page call it). */
export function chainRpc(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="titlechain-chain-rpc"]')?.content ?? "";
}

/** The chain of the server's deployment, for the wallet (its node: the one the server names). */
function chainOf(chainId: number) {
  return defineChain({
    id: chainId,
    name: `Titlechain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [chainRpc()] } },
  });
}

/** Thrown when the wallet is on another chain and would not switch. */
export class WrongChain extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`the wallet is on chain ${actual}, not ${expected}`);
    this.name = "WrongChain";
  }
}

export type Call<A extends Abi, F extends ContractFunctionName<A, "payable" | "nonpayable">> = {
  address: Address;
  abi: A;
  functionName: F;
  args: ContractFunctionArgs<A, "payable" | "nonpayable", F>;
  value?: bigint;
};

/**
 * Simulates the call first (a refusal is told before the wallet asks anything), has the wallet send it, reports the
 * transaction's hash, and waits for its receipt. Throws viem's error, whose revert names the contract's custom error.
 */
export async function transact<A extends Abi, F extends ContractFunctionName<A, "payable" | "nonpayable">>(
  signer: Signer,
  chainId: number,
  call: Call<A, F>,
  onSent: (hash: Hash) => void = () => undefined,
): Promise<TransactionReceipt> {
  if (!signer.provider) throw new Error("the built-in account cannot pay for transactions: use a wallet");
  const chain = chainOf(chainId);
  const wallet = createWalletClient({ account: signer.address, chain, transport: custom(signer.provider) });
  const actual = await wallet.getChainId();
  if (actual !== chainId) {
    try {
      await wallet.switchChain({ id: chainId });
    } catch {
      throw new WrongChain(chainId, actual);
    }
  }
  const node = createPublicClient({ chain, transport: http(chainRpc()) });
  const { request } = await node.simulateContract({ account: signer.address, ...call } as never);
  const hash = await wallet.writeContract(request as never);
  onSent(hash);
  const receipt = await node.waitForTransactionReceipt({ hash, pollingInterval: 500 });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return receipt;
}

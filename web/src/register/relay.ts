// The gasless path from this page: a commitment or a reveal signed here, sent to the relay, followed until mined.
import type { Address, Hex } from "viem";
import { commitmentOf } from "../../../core/commitment.ts";
import { commitRequestTypedData, revealTypedData } from "../../../core/eip712.ts";
import type { Registration } from "../../../core/registration.ts";
import { deployment as deploymentOfServer } from "../account/deployment.ts";
import type { Signer } from "../account/signer.ts";
import { api, call, type Problem, type Result } from "../api/client.ts";

/** Signatures stay valid a week: a reveal delayed longer is signed again. */
const DEADLINE_S = 7 * 86_400;
const deadline = () => BigInt(Math.floor(Date.now() / 1000) + DEADLINE_S);

export type Chain = { chainId: number; registry: Address };
export type RelayStatus = {
  id: string;
  status: "queued" | "submitted" | "mined" | "failed";
  transactionHash: string | null;
  blockNumber: string | null;
  error: string | null;
  batch: { submitter: string; root: string; leaf: string; proof: string[] } | null;
};

/** A refusal by the API (or no answer), carried as an exception through the steps of a registration. */
export class ProblemError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail || problem.code);
    this.problem = problem;
  }
}

async function data<T>(request: Promise<Result<T>>): Promise<T> {
  const r = await request;
  if (r.problem) throw new ProblemError(r.problem);
  return r.data;
}

/** The chain and registry the server works with (the domain every signature names). */
export async function deployment(): Promise<Chain> {
  try {
    const d = await deploymentOfServer();
    return { chainId: d.chainId, registry: d.registry };
  } catch (error) {
    const problem = (error as { problem?: Problem }).problem;
    throw problem ? new ProblemError(problem) : error;
  }
}

/** 32 random bytes: the secret that hides a commitment's file until its creator reveals it. */
export function newSalt(): Hex {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}` as Hex;
}

/**
 * Asks the relay to anchor `keccak256(creator, sha256, salt)` in its next batch: only that hash goes to the server
 * and the chain. Returns the relay request's id.
 */
export async function relayCommitment(signer: Signer, chain: Chain, sha256: Hex, salt: Hex): Promise<string> {
  const message = {
    creator: signer.address,
    commitment: commitmentOf(signer.address, sha256, salt),
    deadline: deadline(),
  };
  const signature = await signer.signTypedData(commitRequestTypedData({ ...chain, message }) as never);
  const body = { ...message, deadline: message.deadline.toString(), signature, batch: true };
  return (await data(call(api.POST("/api/relay/commit", { body })))).id;
}

/** Asks the relay to reveal a committed file as `registration`, registered at its commitment's time. */
export async function relayReveal(
  signer: Signer,
  chain: Chain,
  registration: Registration,
  salt: Hex,
  batch: NonNullable<RelayStatus["batch"]>,
): Promise<string> {
  const nonce = await data(
    call(api.GET("/api/relay/nonces/{account}", { params: { path: { account: signer.address } } })),
  );
  const message = { ...registration, creator: signer.address, salt, nonce: BigInt(nonce.next), deadline: deadline() };
  const signature = await signer.signTypedData(revealTypedData({ ...chain, message }) as never);
  const body = {
    message: {
      ...message,
      parents: message.parents.map(String),
      nonce: message.nonce.toString(),
      deadline: message.deadline.toString(),
    },
    signature,
    batch: { submitter: batch.submitter, root: batch.root, proof: batch.proof },
  };
  return (await data(call(api.POST("/api/relay/reveal", { body })))).id;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

/** Follows a relay request until it is mined (or failed), telling each status as it changes. */
export async function settled(
  id: string,
  onStatus: (s: RelayStatus) => void,
  signal?: AbortSignal,
): Promise<RelayStatus> {
  let last = "";
  for (;;) {
    signal?.throwIfAborted();
    const s = (await data(call(api.GET("/api/relay/requests/{id}", { params: { path: { id } } })))) as RelayStatus;
    if (s.status !== last) onStatus(s);
    last = s.status;
    if (s.status === "mined" || s.status === "failed") return s;
    await sleep(400, signal);
  }
}

/** Waits until the server's mirror has the work (the chain's event indexed), at most `timeoutMs`. */
export async function indexed(workId: Hex, signal?: AbortSignal, timeoutMs = 60_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    signal?.throwIfAborted();
    const r = await call(api.GET("/api/works/{workId}", { params: { path: { workId } } }));
    if (r.data) return true;
    if (r.problem && r.problem.status !== 404) throw new ProblemError(r.problem);
    await sleep(400, signal);
  }
  return false;
}

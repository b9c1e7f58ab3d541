// A registration's steps, commit first and reveal later: each step reported as it starts, progresses and ends.
import type { Hex } from "viem";
import { cidToHex } from "../../../core/cid.ts";
import { commitmentOf } from "../../../core/commitment.ts";
import { licenceLedgerAbi, provenanceRegistryAbi } from "../../../types/abi/index.js";
import { deployment as deploymentOfServer } from "../account/deployment.ts";
import type { Signer } from "../account/signer.ts";
import { transact } from "../account/transact.ts";
import { api } from "../api/client.ts";
import { type Commitment, keepCommitment } from "./commitments.ts";
import { type Chain, indexed, newSalt, ProblemError, relayCommitment, relayReveal, settled } from "./relay.ts";
import { uploadFile } from "./upload.ts";
import { metadataOf, payeesOf, royaltyBps, type WorkForm } from "./work-form.ts";

export const COMMIT_STEPS = ["signCommit", "anchor"] as const;
export const REVEAL_STEPS = ["upload", "metadata", "signReveal", "reveal", "index"] as const;
/** After the registration, when co-owners share the revenue: the wallet sends the split. */
export const SPLIT_STEPS = ["signSplits", "splits"] as const;
export type StepName = (typeof COMMIT_STEPS)[number] | (typeof REVEAL_STEPS)[number] | (typeof SPLIT_STEPS)[number];
export type StepState = "waiting" | "active" | "done" | "failed";
/** What a step says while it runs: a relay status, bytes sent, a transaction. */
export type StepNote = { status?: string; sent?: number; transactionHash?: string };
export type Report = (step: StepName, state: StepState, note?: StepNote) => void;

/** The relay tried and failed: the reason in its words (a contract's error name among them). */
export class RelayFailed extends Error {
  constructor(reason: string | null) {
    super(reason ?? "the relay gave no reason");
    this.name = "RelayFailed";
  }
}

/** The metadata the form made broke the schema: every violation with its JSON pointer. */
export class MetadataRefused extends Error {
  readonly issues: { path: string; message: string }[];
  constructor(issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path} ${i.message}`).join("; "));
    this.issues = issues;
  }
}

/** Runs one step: active, then done, or failed (and the error passed on). */
async function step<T>(report: Report, name: StepName, run: () => Promise<T>): Promise<T> {
  report(name, "active");
  try {
    const result = await run();
    report(name, "done");
    return result;
  } catch (error) {
    report(name, "failed");
    throw error;
  }
}

type File = { sha256: Hex; name: string; size: number };

/**
 * Commits the file privately: its salt kept in this browser before the request leaves, the commitment signed and
 * relayed into the next batch, then followed until the batch is mined. Only the commitment leaves this device.
 */
export async function commitFile(
  signer: Signer,
  chain: Chain,
  file: File,
  report: Report,
  signal?: AbortSignal,
  payFromWallet = false,
): Promise<Commitment> {
  const commitment: Commitment = {
    creator: signer.address,
    sha256: file.sha256,
    salt: newSalt(),
    fileName: file.name,
    size: file.size,
    requestId: "",
    committedAt: new Date().toISOString(),
  };
  keepCommitment(commitment);
  if (payFromWallet) return commitFromWallet(signer, chain, commitment, report);
  commitment.requestId = await step(report, "signCommit", () =>
    relayCommitment(signer, chain, file.sha256, commitment.salt),
  );
  keepCommitment(commitment);
  return step(report, "anchor", async () => {
    const s = await settled(commitment.requestId, (st) => report("anchor", "active", { status: st.status }), signal);
    if (s.status === "failed" || !s.batch) throw new RelayFailed(s.error);
    const anchored = {
      ...commitment,
      batch: s.batch,
      ...(s.transactionHash ? { transactionHash: s.transactionHash } : {}),
    };
    keepCommitment(anchored);
    return anchored;
  });
}

/**
 * A transaction the user's wallet sends and pays for, as two steps: `sign` until the wallet has sent it, `mine` until
 * its receipt. Returns the transaction's hash.
 */
async function walletSteps(
  report: Report,
  sign: StepName,
  mine: StepName,
  run: (onSent: (hash: string) => void) => Promise<{ transactionHash: string }>,
): Promise<string> {
  let sent = false;
  report(sign, "active");
  try {
    const receipt = await run((hash) => {
      sent = true;
      report(sign, "done");
      report(mine, "active", { status: "submitted", transactionHash: hash });
    });
    report(mine, "done");
    return receipt.transactionHash;
  } catch (error) {
    report(sent ? mine : sign, "failed");
    throw error;
  }
}

/** The commitment sent by the user's wallet, which pays its fee. */
async function commitFromWallet(
  signer: Signer,
  chain: Chain,
  commitment: Commitment,
  report: Report,
): Promise<Commitment> {
  const transactionHash = await walletSteps(report, "signCommit", "anchor", (onSent) =>
    transact(
      signer,
      chain.chainId,
      {
        address: chain.registry,
        abi: provenanceRegistryAbi,
        functionName: "commit",
        args: [commitmentOf(signer.address, commitment.sha256, commitment.salt)],
      },
      onSent,
    ),
  );
  const anchored = { ...commitment, transactionHash, paidByWallet: true };
  keepCommitment(anchored);
  return anchored;
}

/**
 * Reveals a committed file: uploads it and its metadata, signs the reveal and follows it until the mirror has the
 * work. The file must be the committed one.
 */
export async function revealFile(
  signer: Signer,
  chain: Chain,
  commitment: Commitment,
  file: Blob,
  form: WorkForm,
  report: Report,
  signal?: AbortSignal,
): Promise<{ workId: Hex; transactionHash: string | null }> {
  const batch = commitment.batch;
  if (!batch && !commitment.paidByWallet) throw new RelayFailed("the commitment is not anchored yet");
  const stored = await step(report, "upload", () =>
    uploadFile(file, (sent) => report("upload", "active", { sent }), signal),
  );
  if (stored.sha256.toLowerCase() !== commitment.sha256.toLowerCase()) {
    throw new RelayFailed("the uploaded file is not the committed one");
  }
  const metadataCid = await step(report, "metadata", async () => {
    const { data, error, response } = await api.POST("/api/metadata", {
      body: metadataOf(form, signer.address, stored) as never,
    });
    if (data) return data.cid;
    const body = (error ?? {}) as { code?: string; detail?: string; issues?: { path: string; message: string }[] };
    if (response.status === 422 && body.issues) throw new MetadataRefused(body.issues);
    throw new ProblemError({
      status: response.status,
      code: body.code ?? `Http${response.status}`,
      detail: body.detail ?? "",
    });
  });
  const registration = {
    to: signer.address,
    contentHash: commitment.sha256,
    metadataCid: cidToHex(metadataCid),
    royaltyReceiver: signer.address,
    royaltyBps: royaltyBps(form),
    parents: [] as bigint[],
  };
  let transactionHash: string | null;
  if (!batch) {
    // Committed by the wallet: revealed by it too, paying its fee.
    transactionHash = await walletSteps(report, "signReveal", "reveal", (onSent) =>
      transact(
        signer,
        chain.chainId,
        {
          address: chain.registry,
          abi: provenanceRegistryAbi,
          functionName: "reveal",
          args: [registration, commitment.salt],
        },
        onSent,
      ),
    );
    keepCommitment({ ...commitment, revealId: transactionHash });
  } else {
    const revealId = await step(report, "signReveal", () =>
      relayReveal(signer, chain, registration, commitment.salt, batch),
    );
    keepCommitment({ ...commitment, revealId });
    const mined = await step(report, "reveal", async () => {
      const s = await settled(revealId, (st) => report("reveal", "active", { status: st.status }), signal);
      if (s.status === "failed") throw new RelayFailed(s.error);
      return s;
    });
    transactionHash = mined.transactionHash;
  }
  await step(report, "index", async () => {
    if (!(await indexed(commitment.sha256, signal))) throw new RelayFailed("mined, but not yet in the server's mirror");
  });
  const payees = payeesOf(form, signer.address);
  if (payees.length > 0) {
    const { ledger } = await deploymentOfServer();
    await walletSteps(report, "signSplits", "splits", (onSent) =>
      transact(
        signer,
        chain.chainId,
        {
          address: ledger,
          abi: licenceLedgerAbi,
          functionName: "setSplits",
          args: [BigInt(commitment.sha256), payees],
        },
        onSent,
      ),
    );
  }
  return { workId: commitment.sha256, transactionHash };
}

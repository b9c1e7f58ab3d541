// `titlechain verify <file>`: is this exact file registered, when, by whom, who owns it now (server, or a node).
import { type Address, createPublicClient, http } from "viem";
import { provenanceRegistryAbi } from "../../types/abi/index.js";
import { hashFile } from "../files.ts";
import { CliError, EXIT, json, out, paint } from "../output.ts";
import { answer, clientOf } from "../server.ts";

export const verifyHelp = `Usage: titlechain verify <file> [--server URL | --rpc URL --registry ADDRESS] [--json]

Hashes the file (SHA-256, as it reads) and says whether exactly this file is registered: its work id, when and by
whom it was registered, and who owns it now. With --rpc, asks the registry contract on that node directly and trusts
no Titlechain server. Exit 0: registered; 1: not registered.`;

type Verdict = {
  file: string;
  sha256: string;
  registered: boolean;
  work: { workId: string; creator: string; owner: string; registeredAt: string } | null;
  source: string;
};

export async function verify(
  file: string,
  o: { server: string; rpc?: string; registry?: string; json: boolean },
): Promise<number> {
  const { sha256 } = await hashFile(file);
  let verdict: Verdict;
  if (o.rpc) {
    if (!o.registry || !/^0x[0-9a-fA-F]{40}$/.test(o.registry)) {
      throw new CliError("--registry: the registry's address is required with --rpc", EXIT.usage);
    }
    const node = createPublicClient({ transport: http(o.rpc) });
    const workId = BigInt(sha256);
    let work: { owner: Address; creator: Address; registeredAt: bigint } | null = null;
    try {
      work = await node.readContract({
        address: o.registry as Address,
        abi: provenanceRegistryAbi,
        functionName: "workOf",
        args: [workId],
      });
    } catch (error) {
      // The registry reverts for a work it does not have; anything else is the node's failure.
      if (!/revert/i.test(String(error))) throw new CliError(`${o.rpc}: ${String(error).split("\n")[0]}`);
    }
    verdict = {
      file,
      sha256,
      registered: work !== null,
      work: work && {
        workId: workId.toString(),
        creator: work.creator.toLowerCase(),
        owner: work.owner.toLowerCase(),
        registeredAt: new Date(Number(work.registeredAt) * 1000).toISOString(),
      },
      source: `registry ${o.registry} at ${o.rpc}`,
    };
  } else {
    const result = answer(
      await clientOf(o.server).GET("/api/verify/{sha256}", { params: { path: { sha256 } } }),
      `verify ${file}`,
    );
    verdict = {
      file,
      sha256,
      registered: result.registered,
      work: result.work && {
        workId: result.work.workId,
        creator: result.work.creator,
        owner: result.work.owner,
        registeredAt: result.work.registeredAt,
      },
      source: o.server,
    };
  }
  if (o.json) json(verdict);
  else if (verdict.work) {
    out(`${paint("green", "registered")}  ${file}`);
    out(`  sha256      ${sha256}`);
    out(`  work        ${verdict.work.workId}`);
    out(`  registered  ${verdict.work.registeredAt} by ${verdict.work.creator}`);
    out(`  owner       ${verdict.work.owner}`);
    out(`  checked at  ${verdict.source}`);
  } else out(`${paint("yellow", "not registered")}  ${file} (sha256 ${sha256}), checked at ${verdict.source}`);
  return verdict.registered ? EXIT.ok : EXIT.no;
}

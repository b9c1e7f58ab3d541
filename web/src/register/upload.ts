// A file sent to the server's content store with progress (fetch cannot report an upload's progress; XMLHttpRequest can).
import type { paths } from "../../../client/index.ts";
import type { Problem } from "../api/client.ts";
import { ProblemError } from "./relay.ts";

/** The upload's path, checked against the OpenAPI document's paths at compile time. */
const FILES = "/api/files" satisfies keyof paths;
export type Stored = paths[typeof FILES]["post"]["responses"][200]["content"]["application/json"];

/** Uploads `file` (its bytes as they are), reporting bytes sent; the server's answer, or a ProblemError. */
export function uploadFile(file: Blob, onProgress: (sent: number) => void, signal?: AbortSignal): Promise<Stored> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", FILES);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    const fail = (problem: Problem) => reject(new ProblemError(problem));
    xhr.onerror = () => fail({ status: 0, code: "Network", detail: "the upload did not reach the server" });
    xhr.onabort = () => reject(signal?.reason ?? new DOMException("aborted", "AbortError"));
    xhr.onload = () => {
      const body = (xhr.response ?? {}) as Partial<Problem> & Stored;
      if (xhr.status === 200) {
        onProgress(file.size);
        resolve(body);
      } else {
        fail({
          status: xhr.status,
          code: typeof body.code === "string" ? body.code : `Http${xhr.status}`,
          detail: typeof body.detail === "string" ? body.detail : "",
        });
      }
    };
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(file);
  });
}

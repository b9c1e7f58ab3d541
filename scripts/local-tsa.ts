// A real RFC 3161 timestamp authority on loopback (tests, benchmarks): `openssl ts -reply` behind HTTP, its CA made then.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

const CONFIG = `[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[tsa_ext]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa]
default_tsa = tsa_config
[tsa_config]
dir = .
serial = ./serial
crypto_device = builtin
signer_cert = ./tsa.crt
certs = ./ca.crt
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256,sha384,sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`;

export type TestTsa = {
  url: string;
  dir: string;
  /** The root certificate (PEM) the TSA's certificate chains to. */
  caPem: string;
  /** Requests answered so far. */
  answered: number;
  close(): Promise<void>;
};

/** Makes a CA and a TSA certificate in a temporary directory and serves `openssl ts -reply` at `url`. */
export async function startTestTsa(name = "Test TSA"): Promise<TestTsa> {
  const dir = await mkdtemp(join(tmpdir(), "titlechain-tsa-"));
  /** Runs openssl with `args` split at spaces, then `-subj subject` when given (a subject may hold spaces). */
  const openssl = (args: string, subject?: string) =>
    run("openssl", [...args.split(" "), ...(subject ? ["-subj", subject] : [])], { cwd: dir });
  await writeFile(join(dir, "tsa.cnf"), CONFIG);
  await writeFile(join(dir, "serial"), "01\n");
  const days = "-days 30";
  const ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
  await openssl(
    `req -x509 ${ec} -keyout ca.key -out ca.crt ${days} -config tsa.cnf -extensions ca_ext`,
    `/CN=${name} Root`,
  );
  await openssl(`req ${ec} -keyout tsa.key -out tsa.csr -config tsa.cnf`, `/CN=${name}`);
  await openssl(
    `x509 -req -in tsa.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out tsa.crt ${days} -extfile tsa.cnf -extensions tsa_ext`,
  );
  let queue = Promise.resolve();
  let sequence = 0;
  const tsa: TestTsa = {
    url: "",
    dir,
    caPem: await readFile(join(dir, "ca.crt"), "utf8"),
    answered: 0,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  const reply = async (query: Buffer): Promise<Buffer> => {
    const n = ++sequence;
    await writeFile(join(dir, `q${n}.tsq`), query);
    await openssl(`ts -reply -config tsa.cnf -queryfile q${n}.tsq -out r${n}.tsr`);
    return readFile(join(dir, `r${n}.tsr`));
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.headers["content-type"] !== "application/timestamp-query") {
        res.writeHead(400).end("POST application/timestamp-query");
        return;
      }
      // One reply at a time: openssl ts keeps its serial number in a file.
      const answer = queue.then(() => reply(Buffer.concat(chunks)));
      queue = answer.then(
        () => undefined,
        () => undefined,
      );
      answer.then(
        (body) => {
          tsa.answered++;
          res.writeHead(200, { "content-type": "application/timestamp-reply" }).end(body);
        },
        (error: Error) => res.writeHead(500).end(error.message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tsa.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return tsa;
}

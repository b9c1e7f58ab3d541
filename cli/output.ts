// The CLI's output: data on stdout (JSON with --json), words on stderr, colour only on a terminal, fixed exit codes.
import { styleText } from "node:util";

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** The answer is no: not registered, not permitted. */
  no: 1,
  /** The command line is wrong. */
  usage: 2,
  /** The server, the node or a file could not be used. */
  failed: 3,
} as const;

/** A failure the CLI explains in one line and exits with `code`. */
export class CliError extends Error {
  readonly code: number;
  constructor(message: string, code: number = EXIT.failed) {
    super(message);
    this.name = "CliError";
    this.code = code;
  }
}

type Style = Parameters<typeof styleText>[0];

/** `text` styled when stdout is a terminal that wants colour (NO_COLOR, FORCE_COLOR honoured), else plain. */
export function paint(style: Style, text: string): string {
  return styleText(style, text, { validateStream: true, stream: process.stdout });
}

/** Prints rows as an aligned table with a header. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return [paint("bold", line(header)), ...rows.map(line)].join("\n");
}

export const out = (text: string) => process.stdout.write(`${text}\n`);
export const json = (value: unknown) => out(JSON.stringify(value, null, 2));

// A progress bar on stderr for a terminal; on anything else, a line every tenth of the way.
export class Progress {
  readonly #label: string;
  readonly #total: number;
  readonly #quiet: boolean;
  readonly #tty = process.stderr.isTTY === true;
  #done = 0;

  /** `quiet` (with --json) keeps stderr for errors. */
  constructor(label: string, total: number, quiet = false) {
    this.#label = label;
    this.#total = total;
    this.#quiet = quiet || total === 0;
  }

  tick(what: string): void {
    this.#done += 1;
    if (this.#quiet) return;
    if (this.#tty) {
      const width = 30;
      const filled = Math.round((this.#done / this.#total) * width);
      const name = what.length > 40 ? `…${what.slice(-39)}` : what;
      process.stderr.write(
        `\r${this.#label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${this.#done}/${this.#total} ${name}\x1b[K`,
      );
    } else if (this.#done === this.#total || this.#done % Math.max(1, Math.ceil(this.#total / 10)) === 0) {
      process.stderr.write(`${this.#label}: ${this.#done}/${this.#total}\n`);
    }
  }

  done(): void {
    if (!this.#quiet && this.#tty) process.stderr.write("\n");
  }
}

import { SingleBar } from 'cli-progress';

/** Progress for long work: a bar on a terminal, a line every few seconds otherwise (CI logs). */
export interface Progress {
  update(done: number, total?: number, note?: string): void;
  stop(): void;
}

export function progress(label: string, total: number): Progress {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% {value}/{total} {note}`, stream: process.stderr, hideCursor: true }, undefined);
    bar.start(total, 0, { note: '' });
    return {
      update: (done, t, note) => { if (t !== undefined) bar.setTotal(t); bar.update(done, { note: note ?? '' }); },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  let current = 0;
  let max = total;
  return {
    update(done, t, note) {
      current = done;
      if (t !== undefined) max = t;
      if (Date.now() - last > 5000) {
        last = Date.now();
        process.stderr.write(`${label}: ${done}/${max}${note ? ` ${note}` : ''}\n`);
      }
    },
    stop() { process.stderr.write(`${label}: ${current}/${max} done\n`); },
  };
}

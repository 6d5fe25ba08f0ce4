/** Undoing a cancelled run's writes (shared by the command thread and the supervisor; node:fs only, so the supervisor stays light). */
import { rmSync } from 'node:fs';

/** Deletes `files`, then the folders in `dirs` (recursively: the run created them). */
export function rollbackPaths(files: Iterable<string>, dirs: Iterable<string>): void {
  for (const f of files) rmSync(f, { force: true });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

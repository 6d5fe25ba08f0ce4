/** `polytope serve [FILE…]`: the explorer on a loopback port, opening with the given files loaded. */
import type { Command } from 'commander';
import { session } from '../session.js';
import { servedEntries, startStaticServer, webDist } from '../serve-static.js';
import { CliError } from '../util.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the Polytope Lens explorer (playground, model explorer) on 127.0.0.1; Ctrl-C stops it')
    .argument('[files...]', 'network JSON / ONNX models or JSON results to open with')
    .option('--port <n>', 'port (0 = any free port)', '8035')
    .action(async (files: string[], opts: { port: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new CliError(`--port must be an integer from 0 to 65535, got '${opts.port}'`);
      const server = await startStaticServer(webDist(), servedEntries(files), port);
      process.stdout.write(
        `serve: Polytope Lens explorer at ${server.url}${files.length ? ` (with ${files.length} file(s))` : ''} — Ctrl-C stops\n`,
      );
      const signal = session().signal;
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await server.close();
    });
}

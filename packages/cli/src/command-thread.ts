/** The worker thread that runs one `polytope` command for the supervisor (see `supervisor.ts`). */
import { main } from './main.js';
import { session, supervisorLink } from './session.js';

const link = supervisorLink();
if (link) {
  const code = await main(link.argv);
  session().done(code);
}

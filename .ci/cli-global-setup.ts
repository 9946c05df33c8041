// Test runners' global setup (vitest, playwright): the tests spawn the real `ativo` command, which
// runs out/cli/main.mjs when it is fresh; building it here (well under a second) means every test
// runs the bundle of the code under test, as users do after `npm run build`.
// @ts-expect-error -- a plain ES module script, without type declarations
import { buildCli } from './build-cli.js';

export default async function setup(): Promise<void> {
  await (buildCli as () => Promise<void>)();
}

// Kept for test/e2e/two-factor.test.ts and other rooms' files: the in-process CLI runner lives in
// test/helpers/cli.ts.
export { listen, runCommand, type CliResult } from '../helpers/cli';

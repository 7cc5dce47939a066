import { hideBin } from 'yargs/helpers';
import { runCli } from './app.ts';

await runCli(hideBin(process.argv));

#!/usr/bin/env node
import { main } from '../dist/src/cli.js';
import { cleanUpOnSignals } from '../dist/src/interrupt.js';

// The command, not main() (which tests and other programs call), owns the process's signals.
cleanUpOnSignals();
process.exitCode = await main(process.argv.slice(2));

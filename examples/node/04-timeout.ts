// Timeouts: a slow operation raced against AbortSignal.timeout, which cancels it.
import { setTimeout as sleep } from 'node:timers/promises';

async function slowOperation(signal: AbortSignal): Promise<string> {
  await sleep(5_000, undefined, { signal });
  return 'finished';
}

async function main(): Promise<void> {
  try {
    console.log(await slowOperation(AbortSignal.timeout(300)));
  } catch (err) {
    console.log(`gave up: ${(err as Error).name}`);
  }
}

void main();

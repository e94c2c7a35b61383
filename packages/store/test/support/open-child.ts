// Child process for the lock test: open the store in argv[2], report, then hold it until stdin closes.
import { openStore, StoreError } from '../../src/index.ts';

try {
  const store = await openStore({ dataDir: process.argv[2] });
  process.stdout.write('opened\n');
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await store.close();
    process.exit(0);
  });
} catch (err) {
  process.stdout.write(`${err instanceof StoreError ? 'StoreError' : 'Error'}: ${(err as Error).message}\n`);
  process.exit(2);
}

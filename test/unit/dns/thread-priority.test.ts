import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import test from 'ava';
import { atAnsweringPriority, lowerControlPlane } from '../../../src/dns/thread-priority.ts';

/** The nice value a new thread reports for itself (Linux: per thread, inherited from its creator). */
function threadPriority(create: (make: () => Worker) => Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = create(() => new Worker("require('node:worker_threads').parentPort.postMessage(require('node:os').getPriority())", { eval: true }));
    worker.once('message', (value: number) => {
      void worker.terminate();
      resolve(value);
    });
    worker.once('error', reject);
  });
}

test('a worker created after the control plane lowered itself runs at the answering priority; without the helper it inherits the lowered one', async (t) => {
  const original = getPriority();
  t.true(lowerControlPlane(5));
  const lowered = getPriority();
  t.is(lowered, Math.min(19, original + 5));
  t.is(await threadPriority((make) => make()), lowered, 'a plain new thread inherits the lowered priority');
  const restored = await threadPriority((make) => atAnsweringPriority(make));
  if (process.getuid?.() === 0) t.is(restored, original, 'as root the thread gets the priority the process started with');
  else t.true(restored === original || restored === lowered);
  t.is(getPriority(), lowered, 'the control plane is lowered again afterwards');
});

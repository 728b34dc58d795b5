// A process racing for an embedded store's owner lock (src/store/lock.test.ts): on
// { dir, at } it waits until the wall clock reaches `at`, takes the lock of `dir` with the
// built lockFolder, and reports { owner: true } or { owner: false, code }; on 'release' it
// releases; on 'hold' it takes `dir`'s lock and reports, then waits to be killed.
import { lockFolder } from '../../../dist/store/driver.js';

let release;
process.on('message', (m) => {
  if (m === 'release') {
    release?.();
    release = undefined;
    process.send({ released: true });
    return;
  }
  if (m === 'exit') process.exit(0);
  while (Date.now() < m.at) {
    // spin: every racer starts as close to the same instant as the clock allows
  }
  try {
    release = lockFolder(m.dir);
    process.send({ owner: true });
  } catch (e) {
    process.send({ owner: false, code: e.code ?? e.message });
  }
});
process.send({ ready: true });

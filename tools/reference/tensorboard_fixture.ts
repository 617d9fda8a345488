// Writes the committed TensorBoard fixture: the export of test/store/tensorboard/fixture-store.ts
// with a fixed wall time, to test/fixtures/tensorboard/<run>/events.out.tfevents.*. Then run
// tools/reference/tensorboard_reader.py on it (it writes reader.json next to it).
//   npx tsx tools/reference/tensorboard_fixture.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exportTensorBoard, Store } from "../../src/index.js";
import { FIXTURE_WALL_TIME, writeFixtureStore } from "../../test/store/tensorboard/fixture-store.js";

const dest = fileURLToPath(new URL("../../test/fixtures/tensorboard", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "fp-tb-fixture-"));
const store = await Store.openDir(work);
try {
  await writeFixtureStore(store);
  rmSync(dest, { recursive: true, force: true });
  for (const r of await exportTensorBoard(store, { to: dest, wallTime: FIXTURE_WALL_TIME })) console.log(r.file, r.bytes);
} finally {
  await store.close();
  rmSync(work, { recursive: true, force: true });
}

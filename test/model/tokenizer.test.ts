// Tokenizers: the byte tokenizer is lossless; Pythia's tokenizer.json (in data/pythia)
// maps whole words to the ids its own vocabulary gives them and round-trips text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ByteTokenizer, JsonTokenizer } from "../../src/model/tokenizer.js";

const PYTHIA_TOKENIZER = join(fileURLToPath(new URL("../..", import.meta.url)), "data", "pythia", "20B_tokenizer.json");

test("ByteTokenizer: UTF-8 bytes, lossless", () => {
  const t = new ByteTokenizer();
  const text = "Fellow citizens — état, naïve, 1790.";
  const ids = t.encode(text);
  assert.deepEqual(Array.from(ids), Array.from(Buffer.from(text, "utf8")));
  assert.equal(t.decode(ids), text);
});

test("JsonTokenizer on Pythia's 20B tokenizer: vocabulary ids of whole words, round trip", async () => {
  const t = await JsonTokenizer.fromFile(PYTHIA_TOKENIZER);
  const vocab = (JSON.parse(readFileSync(PYTHIA_TOKENIZER, "utf8")) as { model: { vocab: Record<string, number> } }).model.vocab;
  // Byte-level BPE marks a leading space with "Ġ"; these words are single vocabulary entries.
  const ids = Array.from(t.encode("Hello the union is strong"));
  assert.deepEqual(ids, [vocab["Hello"], vocab["Ġthe"], vocab["Ġunion"], vocab["Ġis"], vocab["Ġstrong"]]);
  const text = "The State of the Union, 1790–2021: \"We the People\".";
  assert.equal(t.decode(t.encode(text)), text);
  assert.ok(t.vocabSize >= 50_254, `vocabulary of Pythia's tokenizer (${t.vocabSize})`);
});

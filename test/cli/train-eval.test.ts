// CLI `train` and `eval` through commander: a short training run, `eval --json` printing exactly
// {"loss", "predictions"} and agreeing with the library, the Pythia-shaped fixture via --tokens,
// the protocol stated in --help, and usage errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { runInProcess } from "../helpers/cli.js";
import { register as registerTrain } from "../../src/cli/commands/train.js";
import { register as registerEval } from "../../src/cli/commands/eval.js";
import { evaluateLoss } from "../../src/model/evaluate.js";
import { sotuTokenStreams } from "../../src/model/data.js";
import { ByteTokenizer } from "../../src/model/tokenizer.js";
import { UsageError } from "../../src/util/errors.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/model-eval/", import.meta.url));
let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-cli-train-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[]): Promise<string> => runInProcess([registerTrain, registerEval], args);

test("train --json then eval --json on the last checkpoint", async () => {
  const out = join(dir, "run");
  const trained = JSON.parse(await run(["train", "--preset", "tiny", "--width", "32", "--layers", "1", "--batch", "2", "--steps", "3", "--eval-tokens", "256", "--workers", "2", "--out", out, "--json"]));
  assert.equal(trained.step, 3);
  assert.equal(trained.completed, true);
  const printed = await run(["eval", join(out, "checkpoint-3"), "--data", "sotu-val", "--max-tokens", "1000", "--json"]);
  assert.match(printed, /^\{"loss":[-0-9.e]+,"predictions":\d+\}\n$/);
  const r = JSON.parse(printed);
  assert.deepEqual(Object.keys(r), ["loss", "predictions"]);
  // the library on the same tokens
  const tokens = sotuTokenStreams(new ByteTokenizer()).validation.subarray(0, 1000);
  const lib = await evaluateLoss(join(out, "checkpoint-3"), tokens);
  assert.equal(r.predictions, 7 * 127 + 103);
  assert.equal(r.loss, lib.loss);
  // the validation loss logged at checkpoint 3 used the first 256 tokens: same protocol
  const state = JSON.parse(await readFile(join(out, "checkpoint-3", "trainer_state.json"), "utf8"));
  const logged = state.log_history.at(-1).eval_loss;
  const first256 = await evaluateLoss(join(out, "checkpoint-3"), tokens.subarray(0, 256));
  assert.ok(Math.abs(logged - first256.loss) < 1e-9, `${logged} vs ${first256.loss}`);
});

test("eval --tokens on the Pythia-shaped fp16 pytorch_model.bin prints the PyTorch reference loss", async () => {
  const ref = JSON.parse(await readFile(join(FIXTURE, "reference.json"), "utf8"));
  const ids = join(dir, "ids.json");
  await writeFile(ids, JSON.stringify(ref.tokens));
  const r = JSON.parse(await run(["eval", FIXTURE, "--tokens", ids, "--json"]));
  assert.equal(r.predictions, ref.predictions);
  assert.ok(Math.abs(r.loss - ref.loss) <= 1e-4);
});

test("eval --help states the protocol; bad input is a usage error", async () => {
  const program = new Command("forking-paths");
  registerEval(program);
  const text = program.commands.find((c) => c.name() === "eval")!.helpInformation();
  assert.match(text.replace(/\s+/g, " "), /non-overlapping windows of max_position_embeddings tokens/);
  await assert.rejects(run(["eval", FIXTURE, "--tokens", "x.json", "--text", "y.txt"]), UsageError);
  const bad = join(dir, "bad.json");
  await writeFile(bad, "[1, 2, -3]");
  await assert.rejects(run(["eval", FIXTURE, "--tokens", bad]), /element 2/);
  await assert.rejects(run(["train", "--preset", "huge", "--out", join(dir, "x")]), /tiny or small/);
});

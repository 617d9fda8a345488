// Tokenizers for training and evaluation: a byte-level tokenizer (UTF-8 bytes, ids 0..255, 256 =
// end of text) by default, and any Hugging Face tokenizer.json through @huggingface/tokenizers.
import { readFile } from "node:fs/promises";
import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import { UsageError } from "../util/errors.js";
import { BYTE_VOCAB_SIZE } from "./config.js";

/** End-of-text id of the byte tokenizer (separates documents; config bos/eos_token_id). */
export const BYTE_EOT_ID = 256;

export interface TextTokenizer {
  readonly kind: "byte" | "hf";
  /** Smallest model vocabulary that covers every id this tokenizer emits. */
  readonly vocabSize: number;
  /** End-of-text id placed between documents, if the tokenizer has one. */
  readonly eosId: number | undefined;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
}

/** UTF-8 bytes as tokens (ids 0..255), lossless, no unknown tokens; 256 is end of text. */
export class ByteTokenizer implements TextTokenizer {
  readonly kind = "byte" as const;
  readonly vocabSize = BYTE_VOCAB_SIZE;
  readonly eosId = BYTE_EOT_ID;
  encode(text: string): Int32Array {
    return new Int32Array(Buffer.from(text, "utf8")); // element-wise copy (typed-array constructor, not an iterator)
  }
  decode(ids: ArrayLike<number>): string {
    // special ids (>= 256) are not bytes: end of text decodes to a blank line, the rest to nothing
    const bytes: number[] = [];
    for (const x of Array.from(ids)) {
      if (x >= 0 && x < 256) bytes.push(x);
      else if (x === BYTE_EOT_ID) bytes.push(10, 10);
    }
    return Buffer.from(bytes).toString("utf8");
  }
}

/** The end-of-text token of GPT-2 style tokenizers (Pythia: id 0). */
const EOS_TOKEN = "<|endoftext|>";

/** A Hugging Face `tokenizer.json` (e.g. Pythia's 20B_tokenizer.json). */
export class JsonTokenizer implements TextTokenizer {
  readonly kind = "hf" as const;
  private constructor(private readonly inner: HfTokenizer, readonly vocabSize: number, readonly eosId: number | undefined) {}

  static async fromFile(path: string): Promise<JsonTokenizer> {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`${path}: cannot read tokenizer.json (${(err as Error).message})`);
    }
    const model = json["model"] as { vocab?: Record<string, number> } | undefined;
    if (!model || typeof model.vocab !== "object") {
      throw new UsageError(`${path}: not a Hugging Face tokenizer.json (no model.vocab)`);
    }
    let vocabSize = Object.keys(model.vocab).length;
    let eosId: number | undefined = model.vocab[EOS_TOKEN];
    for (const t of (json["added_tokens"] as Array<{ id: number; content?: string }> | undefined) ?? []) {
      vocabSize = Math.max(vocabSize, t.id + 1);
      if (t.content === EOS_TOKEN) eosId = t.id;
    }
    return new JsonTokenizer(new HfTokenizer(json, {}), vocabSize, eosId);
  }

  encode(text: string): Int32Array {
    return Int32Array.from(this.inner.encode(text, { add_special_tokens: false }).ids);
  }
  decode(ids: ArrayLike<number>): string {
    return this.inner.decode(Array.from(ids));
  }
}

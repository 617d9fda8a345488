// Tokenizers for training and evaluation: a byte-level tokenizer (UTF-8 bytes, vocabulary 256)
// by default, and any Hugging Face tokenizer.json through @huggingface/tokenizers.
import { readFile } from "node:fs/promises";
import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import { UsageError } from "../util/errors.js";

export interface TextTokenizer {
  readonly kind: "byte" | "hf";
  readonly vocabSize: number;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
}

/** UTF-8 bytes as tokens: vocabulary 256, lossless, no unknown tokens. */
export class ByteTokenizer implements TextTokenizer {
  readonly kind = "byte" as const;
  readonly vocabSize = 256;
  encode(text: string): Int32Array {
    return Int32Array.from(Buffer.from(text, "utf8"));
  }
  decode(ids: ArrayLike<number>): string {
    return Buffer.from(Uint8Array.from(Array.from(ids, (x) => x & 0xff))).toString("utf8");
  }
}

/** A Hugging Face `tokenizer.json` (e.g. Pythia's 20B_tokenizer.json). */
export class JsonTokenizer implements TextTokenizer {
  readonly kind = "hf" as const;
  private constructor(private readonly inner: HfTokenizer, readonly vocabSize: number) {}

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
    for (const t of (json["added_tokens"] as Array<{ id: number }> | undefined) ?? []) vocabSize = Math.max(vocabSize, t.id + 1);
    return new JsonTokenizer(new HfTokenizer(json, {}), vocabSize);
  }

  encode(text: string): Int32Array {
    return Int32Array.from(this.inner.encode(text, { add_special_tokens: false }).ids);
  }
  decode(ids: ArrayLike<number>): string {
    return this.inner.decode(Array.from(ids));
  }
}

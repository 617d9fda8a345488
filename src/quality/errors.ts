// Typed errors of quality/: malformed metric files (naming the file and the line or field).
import { ForkingPathsError } from "../util/errors.js";

/** A metrics file (lm-eval-harness JSON, trainer_state.json, CSV) is malformed or ambiguous. */
export class MetricsFormatError extends ForkingPathsError {
  constructor(
    readonly file: string,
    /** Where in the file: "line 3", "results.lambada_openai.acc", "log_history[4].step". */
    readonly location: string | undefined,
    problem: string,
    hint?: string,
  ) {
    super("METRICS_FORMAT", `${file}${location !== undefined ? ` (${location})` : ""}: ${problem}${hint ? ` ---> HINT: ${hint}` : ""}`);
  }
}

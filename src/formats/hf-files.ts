// The Hugging Face file names of a checkpoint folder, stated once: the weights (one file or a
// sharded index, safetensors or PyTorch), the model config, the Trainer's state (written last, so
// it marks a complete checkpoint) and the tokenizer files copied beside pruned weights.

export const SAFETENSORS_SINGLE = "model.safetensors";
export const SAFETENSORS_INDEX = "model.safetensors.index.json";
export const PYTORCH_SINGLE = "pytorch_model.bin";
export const PYTORCH_INDEX = "pytorch_model.bin.index.json";
export const CONFIG_FILE = "config.json";
export const TRAINER_STATE_FILE = "trainer_state.json";
/** Tokenizer and generation files that travel with a model's weights. */
export const TOKENIZER_FILES: readonly string[] = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"];

// Public API of the GPT-NeoX model layer: config, parameters, layers, model object, backends.
export * from "./config.js";
export * from "./params.js";
export { erf, erfc } from "./erf.js";
export * from "./layers.js";
export * from "./attention.js";
export * from "./loss.js";
export * from "./optim.js";
export * from "./kernels.js";
export * from "./gpt-neox.js";
export { createWasmKernels, MODEL_KERNEL, MODEL_KERNEL_BUILD } from "./wasm/kernels.js";
export type { WasmKernelOptions } from "./wasm/kernels.js";

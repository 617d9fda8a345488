// WASM kernels of the GPT-NeoX model (entry file): SIMD matmul, attention and pointwise layers.
// Built with shared, imported memory so worker threads run on the same buffers:
//   npx asc assembly/model.ts --outFile build/kernels/model.wasm -O3 --noAssert --enable simd
//     --enable threads --sharedMemory --importMemory --runtime stub --initialMemory 1 --maximumMemory 65536
export { gemm, transpose, colsumAccumulate } from "./lib/model-gemm";
export { attentionForward, attentionBackward } from "./lib/model-attention";
export { GELU_NODES, geluTablesInit, geluForward, geluBackward, layernormForward, layernormBackward, adamw, sumSquares, scale, softmaxCrossEntropy, crossEntropyBackward } from "./lib/model-pointwise";

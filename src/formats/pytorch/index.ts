// Public entry of the PyTorch checkpoint reader (torch.save zip archives, allow-listed pickle).
import type { ByteSource } from "../../io/byte-source.js";
import type { TensorRef } from "../tensor-ref.js";
import { selectStateDict } from "./state-dict.js";
import { openTorchArchive, tensorRefOf } from "./torch-reader.js";

export interface PytorchReadOptions {
  /** Sub-dict holding the model's tensors, e.g. "model_state_dict" or a dotted path "ema.model". */
  readonly key?: string;
}

/**
 * Lists the model tensors of a torch.save checkpoint (zip format, torch >= 1.6) without reading
 * their data: reads the zip directory and data.pkl only. Tensors reference `source`, which the
 * caller keeps open while reading them and closes afterwards.
 */
export async function readPytorchCheckpoint(source: ByteSource, options: PytorchReadOptions = {}): Promise<TensorRef[]> {
  const archive = await openTorchArchive(source);
  const named = selectStateDict(source.name, archive.root, options.key);
  const refs: TensorRef[] = [];
  for (const { name, tensor } of named) refs.push(await tensorRefOf(archive, name, tensor));
  return refs;
}

export { openTorchArchive, tensorRefOf, type TorchArchive } from "./torch-reader.js";
export { selectStateDict, type NamedTensor } from "./state-dict.js";
export { ZipArchive, type ZipEntry, type ZipDataRange } from "./zip.js";
export { unpickle, type PickleHooks, type PickleValue } from "./pickle.js";
export { torchPickleHooks, TensorDescriptor, StorageRef, TorchDtypeValue, TorchGlobal } from "./torch-globals.js";

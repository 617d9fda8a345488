// Module hooks (module.register) for loaded-modules.ts: posts the URL of every module loaded to
// the port given at registration.
let port;

export function initialize(data) {
  port = data.port;
}

export async function load(url, context, nextLoad) {
  port.postMessage(url);
  return nextLoad(url, context);
}

// Built-in modules ("node:fs") are not loaded through `load`: their resolution is posted instead.
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (resolved.url.startsWith("node:")) port.postMessage(resolved.url);
  return resolved;
}

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

/**
 * The part of the WebAssembly JavaScript API the database uses: Node.js provides it, and TypeScript declares it only in
 * the DOM's and web workers' libraries, which the server does not load.
 */
declare namespace WebAssembly {
  /** A compiled module, shareable between threads. */
  type Module = { readonly __brand: "WebAssembly.Module" };
  function compile(bytes: Uint8Array): Promise<Module>;
}

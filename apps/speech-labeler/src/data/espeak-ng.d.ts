declare module '@echogarden/espeak-ng-emscripten' {
  /** Instantiates the Emscripten module. */
  const init: () => Promise<unknown>;
  export default init;
}

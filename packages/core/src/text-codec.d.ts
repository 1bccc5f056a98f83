// TextEncoder/TextDecoder exist in every JavaScript runtime attnkit supports (Node >= 11, browsers, Deno,
// Bun), but core compiles without DOM or Node type libraries, so their minimal shapes are declared here.
export {};
declare global {
  class TextEncoder {
    encode(input?: string): Uint8Array;
  }
  class TextDecoder {
    constructor(label?: string, options?: { fatal?: boolean });
    decode(input?: Uint8Array): string;
  }
}

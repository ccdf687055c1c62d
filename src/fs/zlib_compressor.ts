/**
 * The {@linkcode Compressor} port over `node:zlib`, which Deno, Bun and Node
 * all provide (br, zstd and gzip on Deno 2.9, Bun 1.4 and Node 22.15+).
 *
 * @module
 */

import { promisify } from "node:util";
import * as zlib from "node:zlib";
import type { ContentCoding } from "../core/accept_encoding.ts";
import type { Compressor } from "../core/compression.ts";

// Each file version is compressed once and kept, so the levels lean to
// size over speed, short of the slowest: brotli 11 took 5-10 ms on 64 KiB
// of JavaScript, 9 under 1 ms, for a few percent more bytes.
const BROTLI_QUALITY = 9;
const GZIP_LEVEL = 9;
const ZSTD_LEVEL = 12;

type Compress = (bytes: Uint8Array, options: object) => Promise<Uint8Array>;

/**
 * A compressor over `node:zlib`, offering the codings this runtime's zlib
 * has (zstd only where `zstdCompress` exists).
 *
 * @returns The compressor.
 *
 * @example Compressing and decompressing
 * ```ts
 * import assert from "node:assert/strict";
 * import { gunzipSync } from "node:zlib";
 * import { zlibCompressor } from "./zlib_compressor.ts";
 *
 * const text = new TextEncoder().encode("hello ".repeat(100));
 * const gzipped = await zlibCompressor().compress(text, "gzip");
 * assert.deepEqual(new Uint8Array(gunzipSync(gzipped)), text);
 * ```
 */
export function zlibCompressor(): Compressor {
  const z = zlib as unknown as Record<string, unknown>;
  const methods: Partial<Record<ContentCoding, [Compress, object]>> = {
    br: [
      promisify(zlib.brotliCompress) as Compress,
      { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } },
    ],
    gzip: [promisify(zlib.gzip) as Compress, { level: GZIP_LEVEL }],
  };
  const constants = zlib.constants as unknown as Record<string, number>;
  if (typeof z.zstdCompress === "function" && constants.ZSTD_c_compressionLevel !== undefined) {
    methods.zstd = [
      promisify(z.zstdCompress as (...args: unknown[]) => void) as Compress,
      { params: { [constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } },
    ];
  }
  const codings = (["br", "zstd", "gzip"] as const).filter((c) => methods[c] !== undefined);
  return {
    codings,
    async compress(bytes, coding) {
      const method = methods[coding];
      if (method === undefined) throw new TypeError(`Cannot compress with ${coding}`);
      const out = await method[0](bytes, method[1]);
      return new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength);
    },
  };
}

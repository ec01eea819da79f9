/**
 * Shareable links: the workspace (files, entry, architecture) is JSON, compressed with the
 * browser's own `CompressionStream('deflate-raw')` and written base64url-encoded in the URL's
 * hash, so it never reaches a server and needs no library.
 */
import { workspaceProblem, type PolicyWorkspace } from './workspace.js';

/** Hash prefix of the current link format; a later format gets a new version number. */
export const SHARE_PREFIX = '#w1=';

async function pipeBytes(bytes: Uint8Array<ArrayBuffer>, transform: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/**
 * The most a link may expand to (4 MiB of JSON). Deflate shrinks repetitive text about a
 * thousandfold, so without a bound a 544 KB link expanded to a 400 MB policy and took seconds
 * and gigabytes before parsing even began; real workspaces are a few kilobytes.
 */
export const maxSharedStateBytes = 4 * 1024 * 1024;

/** Inflates `bytes`, stopping as soon as the output passes `limit`; `undefined` when it does. */
async function inflateAtMost(bytes: Uint8Array<ArrayBuffer>, limit: number): Promise<Uint8Array | undefined> {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** The URL hash (with its `#`) that carries `workspace`. */
export async function encodeWorkspace(workspace: PolicyWorkspace): Promise<string> {
  const json = JSON.stringify({ arch: workspace.arch, entry: workspace.entry, files: workspace.files, ...(workspace.flags ? { flags: workspace.flags } : {}) });
  const compressed = await pipeBytes(new TextEncoder().encode(json), new CompressionStream('deflate-raw'));
  return SHARE_PREFIX + toBase64Url(compressed);
}

/** Result of reading a hash: the workspace, or why the hash does not hold one. */
export type DecodeResult =
  | { readonly ok: true; readonly workspace: PolicyWorkspace }
  | { readonly ok: false; readonly reason: string };

/** Reads a URL hash written by {@link encodeWorkspace}. Never throws. */
export async function decodeWorkspace(hash: string): Promise<DecodeResult> {
  if (!hash.startsWith(SHARE_PREFIX)) return { ok: false, reason: 'the link holds no playground state' };
  const bytes = fromBase64Url(hash.slice(SHARE_PREFIX.length));
  if (!bytes) return { ok: false, reason: 'the link is not valid base64url' };
  let value: unknown;
  try {
    const json = await inflateAtMost(bytes, maxSharedStateBytes);
    if (json === undefined) {
      return { ok: false, reason: `the link expands to more than ${(maxSharedStateBytes / 1024 / 1024).toString()} MB, more than any playground workspace; it was not opened` };
    }
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    return { ok: false, reason: 'the link is damaged (it does not decompress to JSON)' };
  }
  const problem = workspaceProblem(value);
  if (problem !== undefined) return { ok: false, reason: `the link's state is invalid: ${problem}` };
  const workspace = value as PolicyWorkspace;
  return {
    ok: true,
    workspace: {
      arch: workspace.arch,
      entry: workspace.entry,
      files: workspace.files.map(({ path, text }) => ({ path, text })),
      ...(workspace.flags ? { flags: { ...workspace.flags } } : {}),
    },
  };
}

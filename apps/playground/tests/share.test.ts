import { describe, expect, it } from 'vitest';
import { decodeWorkspace, encodeWorkspace, maxSharedStateBytes, SHARE_PREFIX } from '../src/share.js';
import { STARTER_WORKSPACE, type PolicyWorkspace } from '../src/workspace.js';

const unicodeWorkspace: PolicyWorkspace = {
  arch: 'aarch64',
  entry: '/p/ü.policy',
  files: [
    { path: '/p/ü.policy', text: '# naïve — “quotes” 🐧\n@include ./b.policy\nread: 1\n' },
    { path: '/p/b.policy', text: 'write: 1\n' },
  ],
};

const largeWorkspace: PolicyWorkspace = {
  arch: 'x86_64',
  entry: '/big.policy',
  files: [{ path: '/big.policy', text: Array.from({ length: 400 }, (_, index) => `syscall_${index}: arg0 == ${index}`).join('\n') }],
};

const flaggedWorkspace: PolicyWorkspace = { ...STARTER_WORKSPACE, arch: 'arm', flags: { useKillProcess: true, optimize: false } };

describe('share links', () => {
  it.each([
    ['the starter workspace', STARTER_WORKSPACE],
    ['compile flags', flaggedWorkspace],
    ['non-ASCII paths and text', unicodeWorkspace],
    ['a large repetitive file', largeWorkspace],
  ])('round-trips %s', async (_name, workspace) => {
    const hash = await encodeWorkspace(workspace);
    expect(hash.startsWith(SHARE_PREFIX)).toBe(true);
    expect(hash).toMatch(/^#w1=[A-Za-z0-9_-]+$/);
    expect(await decodeWorkspace(hash)).toEqual({ ok: true, workspace });
  });

  it('compresses repetitive policies well below their size', async () => {
    const hash = await encodeWorkspace(largeWorkspace);
    const size = largeWorkspace.files[0]?.text.length ?? 0;
    expect(hash.length).toBeLessThan(size / 4);
  });

  it.each([
    ['an empty hash', '', 'holds no playground state'],
    ['another prefix', '#section-2', 'holds no playground state'],
    ['characters outside base64url', `${SHARE_PREFIX}abc$def`, 'not valid base64url'],
    ['bytes that are not deflate data', `${SHARE_PREFIX}AAAAAAAAAAAA`, 'damaged'],
  ])('refuses %s', async (_name, hash, reason) => {
    const result = await decodeWorkspace(hash);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('refuses a well-formed link whose state is not a workspace', async () => {
    const bogus = { ...STARTER_WORKSPACE, entry: '/missing.policy' };
    const result = await decodeWorkspace(await encodeWorkspace(bogus));
    expect(result).toEqual({ ok: false, reason: "the link's state is invalid: the entry file is not among the files" });
  });

  it('stops inflating a link that expands past the limit, with a clear message', async () => {
    // About 90 KB of link that would expand to 64 MB: a policy of one repeated line.
    const bomb: PolicyWorkspace = { arch: 'x86_64', entry: '/p.policy', files: [{ path: '/p.policy', text: 'read: allow\n'.repeat(64 * 1024 * 1024 / 12) }] };
    const hash = await encodeWorkspace(bomb);
    expect(hash.length).toBeLessThan(200_000);
    const result = await decodeWorkspace(hash);
    expect(result).toEqual({ ok: false, reason: 'the link expands to more than 4 MB, more than any playground workspace; it was not opened' });
  });

  it('still opens a link just under the limit', async () => {
    // Each line is 13 bytes of JSON (the line break is written `\n`).
    const text = 'read: allow\n'.repeat(Math.floor((maxSharedStateBytes - 200) / 13));
    const workspace: PolicyWorkspace = { arch: 'x86_64', entry: '/p.policy', files: [{ path: '/p.policy', text }] };
    expect(await decodeWorkspace(await encodeWorkspace(workspace))).toEqual({ ok: true, workspace });
  });
});

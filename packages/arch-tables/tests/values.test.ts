import { describe, expect, it } from 'vitest';
import {
  type ArchTable,
  argumentNaming,
  constantNamesWithValue,
  errnoConstantName,
  flagDecompositions,
  formatArgumentValue,
  formatCall,
  nameArgumentValue,
  selectorArgument,
} from '../src/index.js';

// A few of x86_64's real values, including aliases and look-alikes of other families.
const table: ArchTable = {
  name: 'x86_64',
  aliases: [],
  auditArch: 0xc000003e,
  bits: 64,
  endianness: 'little',
  kernelVersion: '7.2.13',
  syscalls: { socket: 41, ioctl: 16, mmap: 9 },
  constants: {
    AF_UNIX: 1n,
    AF_LOCAL: 1n,
    AF_INET: 2n,
    AF_INET6: 10n,
    AF_NETLINK: 16n,
    AF_ROUTE: 16n,
    SOCK_STREAM: 1n,
    SOCK_DGRAM: 2n,
    SOCK_NONBLOCK: 0o4000n,
    SOCK_CLOEXEC: 0o2000000n,
    TCGETS: 0x5401n,
    FIONREAD: 0x541bn,
    SIOCINQ: 0x541bn,
    TIOCINQ: 0x541bn,
    PROT_NONE: 0n,
    PROT_READ: 1n,
    PROT_WRITE: 2n,
    PROT_EXEC: 4n,
    MAP_SHARED: 1n,
    MAP_PRIVATE: 2n,
    MAP_ANONYMOUS: 0x20n,
    O_RDONLY: 0n,
    O_WRONLY: 1n,
    O_RDWR: 2n,
    O_CLOEXEC: 0o2000000n,
    O_DSYNC: 0o10000n,
    O_SYNC: 0o4010000n,
    CLONE_VM: 0x100n,
    CLONE_FS: 0x200n,
    SIGCHLD: 17n,
    ENOENT: 2n,
    EPERM: 1n,
    EAGAIN: 11n,
    EWOULDBLOCK: 11n,
    ECHO: 8n,
    ENOEXEC: 8n,
    EPOLLIN: 1n,
    MSG_OOB: 1n,
    MSG_PEEK: 2n,
  },
};

describe('argument naming', () => {
  it.each([
    ['socket', 0, 1n, 'AF_UNIX'],
    ['socket', 0, 16n, 'AF_NETLINK'],
    ['socket', 0, 99n, undefined],
    ['socket', 1, 0o2000001n, 'SOCK_STREAM|SOCK_CLOEXEC'],
    ['socket', 1, 0o2004002n, 'SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC'],
    ['socket', 2, 0n, undefined],
    ['ioctl', 1, 0x5401n, 'TCGETS'],
    ['ioctl', 1, 0x541bn, 'FIONREAD'],
    ['ioctl', 0, 0x5401n, undefined],
    ['mmap', 2, 0n, 'PROT_NONE'],
    ['mmap', 2, 3n, 'PROT_READ|PROT_WRITE'],
    ['mmap', 2, 8n, undefined],
    ['mmap', 3, 0x22n, 'MAP_PRIVATE|MAP_ANONYMOUS'],
    ['openat', 2, 0n, 'O_RDONLY'],
    ['openat', 2, 0o2000002n, 'O_RDWR|O_CLOEXEC'],
    ['openat', 2, 0o4010001n, 'O_WRONLY|O_SYNC'],
    ['clone', 0, 0x311n, 'SIGCHLD|CLONE_VM|CLONE_FS'],
    ['read', 0, 1n, undefined],
    ['constructor', 0, 1n, undefined],
  ])('%s arg%i = %s is %s', (syscall, arg, value, expected) => {
    expect(nameArgumentValue(table, syscall, arg, value)).toBe(expected);
  });

  it('formats values and calls with names next to the numbers', () => {
    expect(formatArgumentValue(table, 'ioctl', 1, 0x5401n)).toBe('0x5401=TCGETS');
    expect(formatArgumentValue(table, 'ioctl', 2, 0x5401n)).toBe('0x5401');
    expect(formatCall(table, 'socket', [10n, 0o2000001n, 0n])).toBe('socket(0xa=AF_INET6, 0x80001=SOCK_STREAM|SOCK_CLOEXEC, 0x0)');
  });

  it('knows which argument tells calls apart', () => {
    expect(selectorArgument('ioctl')).toBe(1);
    expect(selectorArgument('socket')).toBe(0);
    expect(selectorArgument('mmap')).toBeUndefined();
    expect(selectorArgument('toString')).toBeUndefined();
    expect(argumentNaming('socket', 0)?.selector).toBe(true);
  });
});

describe('reverse lookups', () => {
  it.each([
    [2, 'ENOENT'],
    [11, 'EAGAIN'],
    [8, 'ENOEXEC'],
    [0, undefined],
    [4096, undefined],
    [77, undefined],
  ])('errno %i is %s', (value, expected) => {
    expect(errnoConstantName(table, value)).toBe(expected);
  });

  it('lists every name of a value, sorted', () => {
    expect(constantNamesWithValue(table, 0x541bn)).toEqual(['FIONREAD', 'SIOCINQ', 'TIOCINQ']);
    expect(constantNamesWithValue(table, 0x7777n)).toEqual([]);
  });

  it.each([
    [3n, ['MAP_SHARED|MAP_PRIVATE', 'MSG_OOB|MSG_PEEK', 'PROT_READ|PROT_WRITE']],
    [0x22n, ['MAP_PRIVATE|MAP_ANONYMOUS']],
    [2n, []],
    [0n, []],
    [0x5401n, []],
  ])('decomposes %s into flag families', (value, expected) => {
    expect(flagDecompositions(table, value)).toEqual(expected);
  });
});

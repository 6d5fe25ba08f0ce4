import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { PolytopeError } from '../errors.js';
import { readNpy, readNpz, writeNpy, writeNpz } from './npy.js';

/** Bytes from base64 (fixtures below were written by NumPy 2.4.6, as noted beside each). */
function b64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/**
 * Builds a .npy file by hand: magic, version, header length (uint16 for v1, uint32 for v2/v3),
 * the header text padded to a multiple of 64 with spaces and a newline, then `data`.
 */
function npyBytes(header: string, data: Uint8Array, major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const total = Math.ceil((prefix + header.length + 1) / 64) * 64;
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, total - prefix, true);
  else view.setUint32(8, total - prefix, true);
  const padded = header.padEnd(total - prefix - 1, ' ') + '\n';
  for (let i = 0; i < padded.length; i++) out[prefix + i] = padded.charCodeAt(i);
  out.set(data, total);
  return out;
}

function le(kind: 'i2' | 'i4' | 'u4' | 'f8' | 'u8' | 'i8', values: Array<number | bigint>): Uint8Array {
  const size = kind.endsWith('2') ? 2 : kind.endsWith('4') ? 4 : 8;
  const out = new Uint8Array(values.length * size);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => {
    const o = i * size;
    if (kind === 'i2') v.setInt16(o, Number(x), true);
    else if (kind === 'i4') v.setInt32(o, Number(x), true);
    else if (kind === 'u4') v.setUint32(o, Number(x), true);
    else if (kind === 'f8') v.setFloat64(o, Number(x), true);
    else if (kind === 'u8') v.setBigUint64(o, BigInt(x), true);
    else v.setBigInt64(o, BigInt(x), true);
  });
  return out;
}

function expectNpyError(f: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PolytopeError);
  expect((caught as Error).message).toMatch(pattern);
}

describe('readNpy on files written by NumPy', () => {
  it('reads float32 2×3 (np.save, v1.0)', () => {
    // np.save(f, np.array([[1.5, -2, 3], [4, 5, 6.25]], dtype='<f4'))
    const a = readNpy(
      b64(
        'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAQEAAAIBAAACgQAAAyEA=',
      ),
    );
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('<f4');
    expect(Array.from(a.data)).toEqual([1.5, -2, 3, 4, 5, 6.25]);
  });

  it('reads int64 with a v2.0 header, including 2^40 and negatives', () => {
    // format.write_array(f, np.array([-3, 2**40, 7], dtype='<i8'), version=(2, 0))
    const a = readNpy(
      b64(
        'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8aTgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr9/////////wAAAAAAAQAABwAAAAAAAAA=',
      ),
    );
    expect(a.shape).toEqual([3]);
    expect(Array.from(a.data)).toEqual([-3, 2 ** 40, 7]);
  });

  it('reads uint16 with a v3.0 header', () => {
    // format.write_array(f, np.array([[1, 65535]], dtype='<u2'), version=(3, 0))
    const a = readNpy(
      b64(
        'k05VTVBZAwB0AAAAeydkZXNjcic6ICc8dTInLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMSwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAP//',
      ),
    );
    expect(a.shape).toEqual([1, 2]);
    expect(Array.from(a.data)).toEqual([1, 65535]);
  });

  it('reads bool (|b1), a 0-d scalar and float16', () => {
    // np.save(f, np.array([True, False, True]))
    const b = readNpy(
      b64(
        'k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAE=',
      ),
    );
    expect(b.dtype).toBe('|b1');
    expect(Array.from(b.data)).toEqual([1, 0, 1]);
    // np.save(f, np.float64(2.5))
    const s = readNpy(
      b64(
        'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAEQA==',
      ),
    );
    expect(s.shape).toEqual([]);
    expect(Array.from(s.data)).toEqual([2.5]);
    // np.save(f, np.array([1.0, -0.5, 65504, 6e-8], dtype='<f2')): 6e-8 rounds to the subnormal 2^-24
    const h = readNpy(
      b64(
        'k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAPAC4/3sBAA==',
      ),
    );
    expect(Array.from(h.data)).toEqual([1, -0.5, 65504, 2 ** -24]);
  });

  it('rejects Fortran order and big-endian data with a clear message', () => {
    // np.save(f, np.asfortranarray(np.arange(6.).reshape(2, 3)))
    expectNpyError(
      () =>
        readNpy(
          b64(
            'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAhAAAAAAAAA8D8AAAAAAAAQQAAAAAAAAABAAAAAAAAAFEA=',
          ),
          'w.npy',
        ),
      /^w\.npy: .*Fortran order.*ascontiguousarray/,
    );
    // np.save(f, np.arange(3, dtype='>f8'))
    expectNpyError(
      () =>
        readNpy(
          b64(
            'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAD/wAAAAAAAAQAAAAAAAAAA=',
          ),
        ),
      /'>f8' is big-endian/,
    );
  });
});

describe('readNpy on hand-built headers', () => {
  it('reads every integer dtype', () => {
    const cases: Array<[string, Uint8Array, number[]]> = [
      ['|i1', Uint8Array.of(0xff, 0x7f, 0x80), [-1, 127, -128]],
      ['|u1', Uint8Array.of(0, 200, 255), [0, 200, 255]],
      ['<i2', le('i2', [-300, 300, -32768]), [-300, 300, -32768]],
      ['<u2', Uint8Array.of(0xff, 0xff, 1, 0, 0, 1), [65535, 1, 256]],
      ['<i4', le('i4', [-70000, 2 ** 31 - 1, 0]), [-70000, 2 ** 31 - 1, 0]],
      ['<u4', le('u4', [2 ** 32 - 1, 5, 0]), [2 ** 32 - 1, 5, 0]],
      ['<i8', le('i8', [-1n, 2n ** 52n, 9n]), [-1, 2 ** 52, 9]],
      ['<u8', le('u8', [2n ** 63n, 1n, 0n]), [2 ** 63, 1, 0]],
      ['=f8', le('f8', [0.1, -1e300, 5e-324]), [0.1, -1e300, 5e-324]],
      ['>u1', Uint8Array.of(9, 8, 7), [9, 8, 7]], // byte order is meaningless for one byte
    ];
    for (const [descr, data, expected] of cases) {
      const a = readNpy(npyBytes(`{'descr': '${descr}', 'fortran_order': False, 'shape': (3,), }`, data));
      expect(Array.from(a.data), descr).toEqual(expected);
    }
  });

  it('tolerates key order, double quotes, spacing and Python 2 long suffixes', () => {
    const a = readNpy(npyBytes(`{"shape":(1L,2L),"fortran_order":False,"descr":"<i4"}`, le('i4', [4, -5]), 2));
    expect(a.shape).toEqual([1, 2]);
    expect(Array.from(a.data)).toEqual([4, -5]);
  });

  it('accepts fortran_order=True when the array is 1-D (both orders coincide)', () => {
    const a = readNpy(npyBytes(`{'descr': '<i4', 'fortran_order': True, 'shape': (1, 2, 1), }`, le('i4', [1, 2])));
    expect(Array.from(a.data)).toEqual([1, 2]);
  });

  it('reads empty arrays', () => {
    const a = readNpy(npyBytes(`{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4), }`, new Uint8Array(0)));
    expect(a.shape).toEqual([0, 4]);
    expect(a.data.length).toBe(0);
  });

  it('reads a view that starts at an odd offset of a larger buffer', () => {
    const file = writeNpy([1.25, -3], [2]);
    const big = new Uint8Array(file.length + 3);
    big.set(file, 3);
    expect(Array.from(readNpy(big.subarray(3)).data)).toEqual([1.25, -3]);
  });

  it('names every malformed file precisely', () => {
    const ok = `{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }`;
    expectNpyError(() => readNpy(Uint8Array.of(1, 2, 3), 'x.npy'), /^x\.npy: not a \.npy file/);
    expectNpyError(() => readNpy(new TextEncoder().encode('{"a": 1}, padding padding')), /missing the \\x93NUMPY magic/);
    const v4 = npyBytes(ok, le('i4', [1, 2]));
    v4[6] = 4;
    expectNpyError(() => readNpy(v4), /version 4\.0/);
    const shortHeader = npyBytes(ok, new Uint8Array(0)).subarray(0, 40);
    expectNpyError(() => readNpy(shortHeader), /truncated header/);
    expectNpyError(() => readNpy(npyBytes(ok, le('i4', [1]))), /truncated data: shape \(2\) of '<i4' needs 8 bytes but only 4/);
    expectNpyError(() => readNpy(npyBytes(ok, le('i4', [1, 2, 3]))), /4 unexpected bytes after the data/);
    expectNpyError(
      () => readNpy(npyBytes(`{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }`, new Uint8Array(16))),
      /unsupported dtype '<c16'/,
    );
    expectNpyError(
      () => readNpy(npyBytes(`{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }`, new Uint8Array(12))),
      /unsupported dtype '<U3'/,
    );
    expectNpyError(
      () => readNpy(npyBytes(`{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }`, new Uint8Array(8))),
      /structured/,
    );
    expectNpyError(() => readNpy(npyBytes(`{'descr': '<f8', 'shape': (1,), }`, new Uint8Array(8))), /no 'fortran_order'/);
    expectNpyError(() => readNpy(npyBytes(`{'descr': '<f8', 'fortran_order': False}`, new Uint8Array(8))), /no 'shape'/);
    expectNpyError(() => readNpy(npyBytes(`{'fortran_order': False, 'shape': (1,)}`, new Uint8Array(8))), /no 'descr'/);
    expectNpyError(
      () => readNpy(npyBytes(`{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}`, new Uint8Array(8))),
      /shape entry '-1'/,
    );
  });
});

describe('writeNpy', () => {
  it('round-trips float64 and float32 through readNpy', () => {
    const values = [0.1, -2, 3e-300, 1e300, -0, 7];
    const a = readNpy(writeNpy(values, [3, 2]));
    expect(a.shape).toEqual([3, 2]);
    expect(a.dtype).toBe('<f8');
    expect(Array.from(a.data)).toEqual(values);
    const b = readNpy(writeNpy(Float64Array.of(0.1, 2.5), [2], 'float32'));
    expect(b.dtype).toBe('<f4');
    expect(Array.from(b.data)).toEqual([Math.fround(0.1), 2.5]);
    const s = readNpy(writeNpy([4], []));
    expect(s.shape).toEqual([]);
    expect(Array.from(s.data)).toEqual([4]);
  });

  it('writes the header exactly as np.save does', () => {
    // np.save(f, np.array([[1.5, -2, 3], [4, 5, 6.25]], dtype='<f4')): byte-for-byte identical
    const expected = b64(
      'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAQEAAAIBAAACgQAAAyEA=',
    );
    expect(writeNpy([1.5, -2, 3, 4, 5, 6.25], [2, 3], 'float32')).toEqual(expected);
    // 1-D shape is written as a one-element tuple '(3,)'
    const text = String.fromCharCode(...writeNpy([1, 2, 3], [3]).subarray(10, 80));
    expect(text).toContain(`'shape': (3,), }`);
    expect(writeNpy([1, 2, 3], [3]).length % 8).toBe(0);
    expect((writeNpy([1, 2, 3], [3]).length - 24) % 64).toBe(0);
  });

  it('switches to a v2.0 header when the shape text is too long for v1.0', () => {
    const shape = Array.from({ length: 30000 }, () => 1);
    const bytes = writeNpy([9], shape);
    expect(bytes[6]).toBe(2);
    const a = readNpy(bytes);
    expect(a.shape.length).toBe(30000);
    expect(Array.from(a.data)).toEqual([9]);
  });

  it('rejects inconsistent shapes and unknown dtypes', () => {
    expectNpyError(() => writeNpy([1, 2, 3], [2, 2]), /holds 4 values but data has 3/);
    expectNpyError(() => writeNpy([1], [1.5]), /not a non-negative integer/);
    expectNpyError(() => writeNpy([1], [1], 'int8' as 'float64'), /dtype 'int8'/);
  });
});

describe('readNpz / writeNpz', () => {
  it('reads np.savez output (NumPy 2 writes ZIP64 entry headers)', () => {
    // np.savez(f, x=np.arange(6.).reshape(3, 2), y=np.array([1, 2, 3], dtype='<i4'))
    const z = readNpz(
      b64(
        'UEsDBC0AAAAAAAAAIQCOE9Q0//////////8FABQAeC5ucHkBABAAsAAAAAAAAACwAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCAyKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAAAAAAAAAAADwPwAAAAAAAABAAAAAAAAACEAAAAAAAAAQQAAAAAAAABRAUEsDBC0AAAAAAAAAIQDrwCsE//////////8FABQAeS5ucHkBABAAjAAAAAAAAACMAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxpNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAQAAAAIAAAADAAAAUEsBAi0DLQAAAAAAAAAhAI4T1DSwAAAAsAAAAAUAAAAAAAAAAAAAAIABAAAAAHgubnB5UEsBAi0DLQAAAAAAAAAhAOvAKwSMAAAAjAAAAAUAAAAAAAAAAAAAAIAB5wAAAHkubnB5UEsFBgAAAAACAAIAZgAAAKoBAAAAAA==',
      ),
    );
    expect(Object.keys(z)).toEqual(['x', 'y']);
    expect(z.x!.shape).toEqual([3, 2]);
    expect(Array.from(z.x!.data)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(z.y!.dtype).toBe('<i4');
    expect(Array.from(z.y!.data)).toEqual([1, 2, 3]);
  });

  it('reads np.savez_compressed output (deflate)', () => {
    // np.savez_compressed(f, a=np.zeros((2, 2), dtype='<f4'))
    const z = readNpz(
      b64(
        'UEsDBC0AAAAIAAAAIQBPpDwS//////////8FABQAYS5ucHkBABAAkAAAAAAAAABJAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CkaaOgq1CmQDLgY0AABQSwECLQMtAAAACAAAACEAT6Q8EkkAAACQAAAABQAAAAAAAAAAAAAAgAEAAAAAYS5ucHlQSwUGAAAAAAEAAQAzAAAAgAAAAAAA',
      ),
    );
    expect(z.a!.shape).toEqual([2, 2]);
    expect(Array.from(z.a!.data)).toEqual([0, 0, 0, 0]);
  });

  it('round-trips writeNpz and skips non-.npy entries', () => {
    const bytes = writeNpz({ w: { data: [1, 2, 3, 4], shape: [2, 2] }, b: { data: [0.5], shape: [1], dtype: 'float32' } });
    const z = readNpz(bytes);
    expect(Object.keys(z)).toEqual(['w', 'b']);
    expect(Array.from(z.w!.data)).toEqual([1, 2, 3, 4]);
    expect(z.b!.dtype).toBe('<f4');
    const mixed = zipSync({ 'notes.txt': new TextEncoder().encode('hi'), 'v.npy': writeNpy([3], [1]) });
    expect(Object.keys(readNpz(mixed))).toEqual(['v']);
  });

  it('issue 10: entries named after Object.prototype members are plain names, absent names are undefined', () => {
    const z = readNpz(zipSync({ '__proto__.npy': writeNpy([7], [1]), 'toString.npy': writeNpy([8], [1]) }));
    expect(Object.keys(z).sort()).toEqual(['__proto__', 'toString']);
    expect(Array.from(z['__proto__']!.data)).toEqual([7]);
    expect(Array.from(z['toString']!.data)).toEqual([8]);
    const plain = readNpz(writeNpz({ x: { data: [1], shape: [1] } }));
    for (const name of ['toString', 'constructor', 'hasOwnProperty', 'valueOf']) expect(plain[name]).toBeUndefined();
  });

  it('reports broken archives and broken entries', () => {
    expectNpyError(() => readNpz(writeNpy([1], [1]), 'd.npz'), /^d\.npz: not a \.npz \(zip\) archive/);
    const zip = writeNpz({ x: { data: [1, 2], shape: [2] } });
    expectNpyError(() => readNpz(zip.subarray(0, zip.length - 30)), /cannot unzip/);
    const bad = zipSync({ 'x.npy': Uint8Array.of(1, 2, 3) });
    expectNpyError(() => readNpz(bad, 'd.npz'), /d\.npz entry 'x\.npy': not a \.npy file/);
  });
});

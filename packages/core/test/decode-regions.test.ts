import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRegions, encodeRegions, RegionDecodeError, type Region } from '../src/index.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

function decodeError(results: Parameters<typeof decodeRegions>[0]): RegionDecodeError {
  try {
    decodeRegions(results);
  } catch (error) {
    expect(error).toBeInstanceOf(RegionDecodeError);
    return error as RegionDecodeError;
  }
  throw new Error('decodeRegions accepted the input');
}

describe('decodeRegions', () => {
  it('decodes the example from the Aspose documentation', () => {
    expect(decodeRegions([{ type: 'Other', data: 'W1swLCA4LCA2OTcsIDQ0MV1d' }])).toEqual([{ left: 0, top: 8, right: 697, bottom: 441 }]);
  });

  it('concatenates every rectangle of every item, in order', () => {
    const results = [
      { type: 'Other', data: b64('[[1, 2, 3, 4], [5, 6, 7, 8]]') },
      { type: 'Other', data: b64('[]') },
      { type: 'Other', data: b64('[[0,0,0,0]]') },
    ];
    expect(decodeRegions(results)).toEqual([
      { left: 1, top: 2, right: 3, bottom: 4 },
      { left: 5, top: 6, right: 7, bottom: 8 },
      { left: 0, top: 0, right: 0, bottom: 0 },
    ]);
  });

  it('returns no regions for null, undefined or empty results', () => {
    expect(decodeRegions(null)).toEqual([]);
    expect(decodeRegions(undefined)).toEqual([]);
    expect(decodeRegions([])).toEqual([]);
  });

  it.each([
    ['missing data', { type: 'Other', data: null }, 'data is missing'],
    ['empty data', { type: 'Other', data: '' }, 'data is empty'],
    ['characters outside the alphabet', { type: 'Other', data: 'W1swLCA4!!' }, 'not valid base64'],
    ['missing padding', { type: 'Other', data: 'W1tdXQ' }, 'not valid base64'],
    ['url-safe alphabet', { type: 'Other', data: b64('[[0, 0, 1, 1]]').replace(/\+/g, '-') + '-___' }, 'not valid base64'],
    ['non-canonical trailing bits', { type: 'Other', data: 'W10='.replace('0=', '1=') }, 'not canonical base64'],
    ['not UTF-8', { type: 'Other', data: Buffer.from([0xff, 0xfe, 0xfd]).toString('base64') }, 'not decode to UTF-8'],
    ['not JSON', { type: 'Other', data: b64('hello') }, 'not JSON'],
    ['JSON that is not an array', { type: 'Other', data: b64('{"a":1}') }, 'not an array of rectangles'],
    ['a rectangle with three numbers', { type: 'Other', data: b64('[[1, 2, 3]]') }, 'rectangle 0 is not an [x1, y1, x2, y2] array'],
    ['a flat array', { type: 'Other', data: b64('[1, 2, 3, 4]') }, 'rectangle 0 is not'],
    [
      'a negative coordinate',
      { type: 'Other', data: b64('[[0, 0, 1, 1], [-1, 0, 1, 1]]') },
      'rectangle 1 has a coordinate that is not a non-negative integer: -1',
    ],
    ['a float', { type: 'Other', data: b64('[[0.5, 0, 1, 1]]') }, 'not a non-negative integer: 0.5'],
    ['a huge number', { type: 'Other', data: b64('[[0, 0, 1e400, 1]]') }, 'not a non-negative integer'],
    ['a string coordinate', { type: 'Other', data: b64('[["0", 0, 1, 1]]') }, 'not a non-negative integer: "0"'],
    ['x1 > x2', { type: 'Other', data: b64('[[10, 0, 5, 1]]') }, 'x1 > x2 (10 > 5)'],
    ['y1 > y2', { type: 'Other', data: b64('[[0, 10, 5, 1]]') }, 'y1 > y2 (10 > 1)'],
  ])('rejects %s with a typed error naming the item', (_name, item, reason) => {
    const error = decodeError([{ type: 'Other', data: b64('[[0, 0, 1, 1]]') }, item]);
    expect(error.itemIndex).toBe(1);
    expect(error.code).toBe('REGION_DECODE_FAILED');
    expect(error.message).toContain('result item 1:');
    expect(error.reason).toContain(reason);
  });

  it('quotes text that is not JSON in the error, cut to 40 characters', () => {
    const reasonFor = (text: string) => decodeError([{ type: 'Other', data: b64(text) }]).reason;
    expect(reasonFor('hello')).toBe('decoded text is not JSON: "hello"');
    const forty = 'x'.repeat(40);
    expect(reasonFor(forty)).toBe(`decoded text is not JSON: "${forty}"`);
    expect(reasonFor(`${forty}y`)).toBe(`decoded text is not JSON: "${forty}…"`);
    expect(reasonFor(`say "hi"\n`)).toBe('decoded text is not JSON: "say \\"hi\\"\\n"');
  });

  const region = fc
    .tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat())
    .map(([x, y, w, h]): Region => ({ left: x, top: y, right: x + w, bottom: y + h }))
    .filter((r) => Number.isSafeInteger(r.right) && Number.isSafeInteger(r.bottom));

  it('round-trips any rectangles through the Aspose encoding', () => {
    fc.assert(
      fc.property(fc.array(fc.array(region, { maxLength: 20 }), { maxLength: 5 }), (items) => {
        const results = items.map((regions) => ({ type: 'Other', data: encodeRegions(regions) }));
        expect(decodeRegions(results)).toEqual(items.flat());
      }),
    );
  });

  it('throws nothing but RegionDecodeError on garbage', () => {
    const garbage = fc.oneof(
      fc.string(),
      fc.base64String(),
      fc.json().map(b64),
      fc.anything().map((v) => b64(JSON.stringify(v) ?? 'undefined')),
      fc.uint8Array().map((bytes) => Buffer.from(bytes).toString('base64')),
    );
    fc.assert(
      fc.property(fc.array(fc.record({ type: fc.option(fc.string()), data: fc.option(garbage) }), { maxLength: 4 }), (results) => {
        try {
          const regions = decodeRegions(results);
          for (const r of regions) expect(r.left <= r.right && r.top <= r.bottom).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(RegionDecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

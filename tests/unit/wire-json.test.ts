import { fromWireJson, toWireJson } from '../../src/pipeline/wire-json';

describe('wire JSON', () => {
  it('brings bigints back as bigints', () => {
    const value = { snapshotId: 9_007_199_254_740_993n, ids: [1n, -2n] };
    expect(fromWireJson(toWireJson(value))).toEqual(value);
  });

  it('brings bytes back as Buffers with the same contents', () => {
    const bounds = [{ key: 1, value: Buffer.from([0, 255, 7]) }, { key: 2, value: new Uint8Array([1, 2]) }];
    const back = fromWireJson<typeof bounds>(toWireJson(bounds));
    expect(back.map((b) => Buffer.isBuffer(b.value))).toEqual([true, true]);
    expect(back.map((b) => [...b.value])).toEqual([[0, 255, 7], [1, 2]]);
  });

  it('keeps plain JSON as it is', () => {
    const value = { a: 'x', n: 1.5, nested: { list: [null, true] } };
    expect(toWireJson(value)).toBe(JSON.stringify(value));
  });
});

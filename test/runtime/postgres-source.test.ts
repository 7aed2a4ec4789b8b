import { describe, expect, it } from 'vitest';
import { oneReadAtATime } from '../../src/runtime/postgres-source.ts';

describe('snapshot reads on one connection', () => {
  it('run one at a time, and callers arriving during a read share the next one', async () => {
    let active = 0;
    let most = 0;
    let reads = 0;
    const read = oneReadAtATime(async () => {
      active++;
      most = Math.max(most, active);
      const n = ++reads;
      await new Promise((resolve) => setTimeout(resolve, 20));
      active--;
      return n;
    });
    const first = read();
    const during = await Promise.all([read(), read(), read()]);
    expect(await first).toBe(1);
    expect(during).toEqual([2, 2, 2]);
    expect(most).toBe(1);
    expect(await read()).toBe(3);
  });

  it('start the next read after a failed one', async () => {
    let calls = 0;
    const read = oneReadAtATime(async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (calls === 1) throw new Error('connection reset');
      return calls;
    });
    const failing = read();
    const after = read();
    await expect(failing).rejects.toThrow('connection reset');
    expect(await after).toBe(2);
  });
});

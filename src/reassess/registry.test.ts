import { describe, expect, test } from 'vitest';
import { productionStack, type ProductionEntry } from './registry.js';

const e = (modelId: number, action: ProductionEntry['action']): ProductionEntry => ({
  id: 0,
  modelId,
  action,
  runId: null,
  reason: '',
  actor: null,
  createdAt: new Date(0),
});

describe('production history', () => {
  test('promotions push, rollbacks pop back to the previous model', () => {
    expect(productionStack([])).toEqual([]);
    expect(productionStack([e(1, 'promote'), e(2, 'promote'), e(3, 'manual')])).toEqual([1, 2, 3]);
    expect(productionStack([e(1, 'promote'), e(2, 'promote'), e(3, 'manual'), e(2, 'rollback')])).toEqual([1, 2]);
    expect(productionStack([e(1, 'promote'), e(2, 'promote'), e(1, 'rollback'), e(4, 'promote'), e(1, 'rollback')])).toEqual([1]);
  });
});

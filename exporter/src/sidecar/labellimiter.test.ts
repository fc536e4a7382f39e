import { LabelLimiter } from './labellimiter';

describe('LabelLimiter', () => {
  it('keeps the first values, cut to length, and folds later newcomers into one', () => {
    const l = new LabelLimiter(2, 5);
    expect(l.value('initMarble')).toBe('initM');
    expect(l.value('readMarble')).toBe('readM');
    expect(l.value('initMarble')).toBe('initM');
    expect(l.value('delete')).toBe('other');
    expect(l.value('')).toBe('unknown');
  });
});

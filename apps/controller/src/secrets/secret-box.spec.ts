import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(SecretBox.generateKey());

  it('round-trips and never stores the plaintext', () => {
    const sealed = box.encrypt('hunter2-bmc', 'fencing:h1:password');
    expect(sealed.startsWith('v1:')).toBe(true);
    expect(sealed).not.toContain('hunter2-bmc');
    expect(box.decrypt(sealed, 'fencing:h1:password')).toBe('hunter2-bmc');
  });

  it('uses a fresh IV for each value', () => {
    expect(box.encrypt('same', 'c')).not.toBe(box.encrypt('same', 'c'));
  });

  it.each([
    ['another context', (s: string) => s, 'fencing:h2:password'],
    ['another key', (s: string) => s, 'fencing:h1:password', new SecretBox(SecretBox.generateKey())],
    ['a tampered value', (s: string) => `${s.slice(0, -4)}AAAA`, 'fencing:h1:password'],
    ['an unknown format', () => 'v0:xyz', 'fencing:h1:password'],
  ])('refuses %s', (_case, mutate, context, other = box) => {
    const sealed = mutate(box.encrypt('hunter2-bmc', 'fencing:h1:password'));
    expect(() => other.decrypt(sealed, context)).toThrow(/cannot be decrypted|unknown format|truncated/);
  });

  it('rejects a key of the wrong size', () => {
    expect(() => new SecretBox(Buffer.alloc(16))).toThrow('32 bytes');
  });
});

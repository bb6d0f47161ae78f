import { checkWebhookAuth } from './webhook-auth';

const basic = (user: string, pass: string): string =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const TOKEN = 'am-bearer-token-0123456789';
const both = {
  allowUnauthenticated: false,
  auth: { bearerToken: TOKEN, username: 'am', password: 'am-password' },
};
const bearerOnly = { allowUnauthenticated: false, auth: { bearerToken: TOKEN } };

describe('checkWebhookAuth', () => {
  it.each<
    [string, Parameters<typeof checkWebhookAuth>[0], string | undefined, ReturnType<typeof checkWebhookAuth>]
  >([
    ['right bearer', both, `Bearer ${TOKEN}`, 'ok'],
    ['scheme is case-insensitive', both, `bearer ${TOKEN}`, 'ok'],
    ['wrong bearer', both, 'Bearer nope', 'invalid'],
    ['bearer with a prefix of the token', both, `Bearer ${TOKEN.slice(0, -1)}`, 'invalid'],
    ['missing header', both, undefined, 'missing'],
    ['right basic', both, basic('am', 'am-password'), 'ok'],
    ['basic, wrong password', both, basic('am', 'wrong'), 'invalid'],
    ['basic, wrong user', both, basic('bob', 'am-password'), 'invalid'],
    ['basic without colon', both, `Basic ${Buffer.from('am').toString('base64')}`, 'invalid'],
    ['basic when only bearer is configured', bearerOnly, basic('am', 'am-password'), 'invalid'],
    ['unknown scheme', both, `Token ${TOKEN}`, 'invalid'],
    ['garbage header', both, 'Bearer', 'invalid'],
    ['nothing configured', { allowUnauthenticated: false }, `Bearer ${TOKEN}`, 'not-configured'],
    ['explicitly open', { allowUnauthenticated: true }, undefined, 'ok'],
  ])('%s', (_name, config, header, expected) => {
    expect(checkWebhookAuth(config, header)).toBe(expected);
  });
});

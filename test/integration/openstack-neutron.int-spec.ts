import { createLogger } from '@vigil/config';
import { ErrorCode } from '@vigil/contracts';
import { KeystoneSession, NeutronClient } from '@vigil/openstack';
import { LogCapture, NeutronFake, type OpenStackFixture, startOpenStack, waitFor } from '@vigil/testing';

// NeutronClient (the `ports-active` gate's read) against the Neutron fake behind the Keystone fake.
describe('NeutronClient against the Neutron fake', () => {
  let os: OpenStackFixture;
  let neutron: NeutronFake;
  let session: KeystoneSession;
  let client: NeutronClient;

  beforeAll(async () => {
    os = await startOpenStack();
    neutron = new NeutronFake({ keystone: os.keystone, activateDelayMs: 300 });
    const url = await neutron.start();
    os.keystone.catalog.push({ type: 'network', name: 'neutron', interface: 'internal', url });
    const logger = createLogger({ name: 'neutron-test', level: 'info', destination: new LogCapture() });
    session = new KeystoneSession({ config: os.keystoneConfig, logger });
    client = new NeutronClient({ session, timeoutMs: 1_000 });
  });

  afterAll(async () => {
    await neutron.stop();
    await os.stop();
  });

  it('lists the ports of one server only, with their status (device_id filter, fields)', async () => {
    const a = neutron.addPort('server-a', 'ACTIVE');
    const b = neutron.addPort('server-a', 'DOWN');
    neutron.addPort('server-b', 'ACTIVE');
    const ports = await client.portsOfDevice('server-a');
    expect(ports.sort((x, y) => x.id.localeCompare(y.id))).toEqual(
      [
        { id: a.id, status: 'ACTIVE', deviceId: 'server-a' },
        { id: b.id, status: 'DOWN', deviceId: 'server-a' },
      ].sort((x, y) => x.id.localeCompare(y.id)),
    );
    expect(neutron.http.received.at(-1)).toBe('GET /v2.0/ports');
    expect(await client.portsOfDevice('server-none')).toEqual([]);
  });

  it('the fake answers 401 without a valid X-Auth-Token, and 404 elsewhere', async () => {
    const url = await session.endpoint('network');
    expect((await fetch(`${url}/v2.0/ports`)).status).toBe(401);
    expect((await fetch(`${url}/v2.0/ports`, { headers: { 'X-Auth-Token': 'forged' } })).status).toBe(401);
    const token = (await session.auth()).token;
    const missing = await fetch(`${url}/v2.0/nothing`, { headers: { 'X-Auth-Token': token } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ NeutronError: { type: 'HTTPNotFound' } });
  });

  it('renews a revoked token once and reads again', async () => {
    neutron.addPort('server-c', 'ACTIVE');
    await client.portsOfDevice('server-c');
    os.keystone.revokeAll();
    expect((await client.portsOfDevice('server-c')).map((p) => p.status)).toEqual(['ACTIVE']);
  });

  it('a Neutron 5xx is a coded, retryable error', async () => {
    neutron.http.failNext(1, 503);
    await expect(client.portsOfDevice('server-c')).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
  });

  it('ports of a rebuilt instance are DOWN, then ACTIVE some time later', async () => {
    neutron.addPort('server-d', 'ACTIVE');
    neutron.rebound('server-d');
    expect((await client.portsOfDevice('server-d')).map((p) => p.status)).toEqual(['DOWN']);
    await waitFor(async () => (await client.portsOfDevice('server-d')).every((p) => p.status === 'ACTIVE'), {
      what: 'the ports of server-d ACTIVE',
    });
  });
});

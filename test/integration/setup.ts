// Integration tests start real processes (redis-server, ipmi_sim); give them time on a 2-core machine.
jest.setTimeout(60_000);

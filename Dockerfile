# Vigil controller and host-monitor image. Build from the repository root:
#   docker build -t vigil:0.1.0 .
# One image, two entry points: the controller (the default CMD) and the host monitor
# (`node dist/apps/host-monitor/main.js`, the DaemonSet in deploy/kubernetes). How to run each, with
# the embedded or an external Redis and with or without a config file: docs/operations.md, "Container".
# test/integration/container.int-spec.ts checks the rules this file follows (no hadolint on Debian 12).

# ---- build: full toolchain, dev dependencies, bundles ----
# Node 24 is an LTS line supported until April 2028; the same base in both stages.
FROM docker.io/library/node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# .dockerignore keeps the host's node_modules, dist/, .git/ and data directories (with their secret
# key) out of this copy.
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: node, production dependencies, fencing tools, redis-server ----
FROM docker.io/library/node:24-bookworm-slim AS runtime
# ipmitool: the `ipmitool` driver (password through IPMI_PASSWORD, never argv).
# fence-agents: the `fence-agent` driver (fence_ipmilan, fence_redfish, ...).
# redis-server: the default embedded Redis (one controller, data under /var/lib/vigil/redis).
# libvirt-clients / openvswitch-common: virsh and ovs-vsctl for the host-monitor probes.
# curl: the controller's health check. tini: PID 1 (reaps fence agents, forwards SIGTERM).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates curl fence-agents ipmitool libvirt-clients openvswitch-common redis-server tini \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home-dir /var/lib/vigil --shell /usr/sbin/nologin vigil \
 && install -d -m 0750 -o vigil -g vigil /var/lib/vigil \
 && install -d -m 0755 /etc/vigil
WORKDIR /opt/vigil
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
COPY deploy/controller.example.yaml deploy/host-monitor.example.yaml /etc/vigil/examples/
COPY deploy/container/healthcheck.sh /usr/local/bin/vigil-healthcheck
COPY deploy/container/controller.container.yaml /etc/vigil/container-defaults.yaml

# The image's defaults are a file (api.host 0.0.0.0, dataDir /var/lib/vigil), not environment
# variables, so that a mounted config file is never silently overridden by them. The rest comes from
# VIGIL_* variables (VIGIL_KEYSTONE__AUTH_URL=..., docs/configuration.md), or mount a file and point
# VIGIL_CONFIG at it. With nothing set the controller exits 2 naming the keys it misses.
ENV NODE_ENV=production \
    VIGIL_CONFIG=/etc/vigil/container-defaults.yaml
# The embedded Redis' append-only file and the generated secrets.encryptionKey live here: keep it.
VOLUME ["/var/lib/vigil"]
USER 10001:10001
EXPOSE 15868 15869
# Fits the entry point it runs under: the controller's /healthz (liveness only; /readyz depends on Redis
# and would restart healthy containers during a Redis failover), the host monitor's peer listener.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/vigil-healthcheck"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/apps/controller/main.js"]

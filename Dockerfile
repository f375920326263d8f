# syntax=docker/dockerfile:1
# One image for every Kiln process (docs/architecture.md section 9: the current Node LTS). The command picks the process:
#   docker run kiln                                  kiln start: the whole platform in one process
#   docker run kiln start ingestion                  one service (ingestion|normalization|oee|maintenance|erp-sync|
#                                                    gateway|simulator)
#   docker run kiln migrate --url postgres://...     the database schema, once per release
#   docker build -t kiln .                           (docker-compose.yml builds it as kiln:local)
ARG NODE_IMAGE=node:22-bookworm-slim

# The package manifests alone, so that `npm ci` below is rebuilt only when a manifest or the lockfile changes
# (BuildKit compares the copied files' content, not this stage's).
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN set -eu; \
    mkdir -p /out; \
    cp package.json package-lock.json /out/; \
    for manifest in packages/*/package.json services/*/package.json deploy/package.json helm/package.json; do \
      if [ -f "$manifest" ]; then mkdir -p "/out/$(dirname "$manifest")"; cp "$manifest" "/out/$manifest"; fi; \
    done

# Everything installed (dev dependencies too: buf, ts-proto, TypeScript, turbo), the protobuf code generated into
# packages/contracts/src/gen and compiled with the rest into each workspace's dist/, then the dev dependencies
# removed again.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true TURBO_TELEMETRY_DISABLED=1 NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY --from=manifests /out/ ./
# The npm the lockfile was written with (package.json packageManager), not whatever the base image ships.
RUN --mount=type=cache,target=/root/.npm \
    npm install --global "npm@$(node -p "require('./package.json').packageManager.split('@')[1]")" \
    && npm ci
COPY . .
RUN npm run build
RUN --mount=type=cache,target=/root/.npm npm prune --omit=dev
# What the runtime needs, laid out as in the repository: the root manifest and node_modules (not proto/: gRPC
# reflection serves the descriptor set compiled into services/gateway/dist), each workspace without its sources,
# tests and build settings: package.json, dist/ (with the generated protobuf code of packages/contracts), what
# else it ships beside dist (packages/cli/embedded: the demo plant and shift calendar; services/gateway/static)
# and its own node_modules where npm could not hoist a dependency. Links to workspaces the runtime does not
# carry (deploy, helm: tests only) are dropped.
RUN set -eu; \
    mkdir -p /out; \
    cp -a package.json package-lock.json node_modules /out/; \
    for workspace in packages/* services/*; do \
      mkdir -p "/out/$workspace"; \
      cp -a "$workspace/." "/out/$workspace/"; \
      rm -rf "/out/$workspace/src" "/out/$workspace/test" "/out/$workspace/bench" "/out/$workspace/eval" \
        "/out/$workspace/jest.config.js" "/out/$workspace/jest.config.cjs" \
        "/out/$workspace/buf.gen.yaml" "/out/$workspace"/tsconfig*.json "/out/$workspace"/*.tsbuildinfo; \
    done; \
    test -f /out/packages/contracts/dist/gen/kiln/events/v1/raw.js; \
    test -f /out/packages/cli/dist/main.js; \
    test -f /out/packages/cli/embedded/plant.yaml; \
    find /out/node_modules -maxdepth 2 -xtype l -delete

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="Kiln" \
      org.opencontainers.image.description="The open IT/OT data backbone for factories" \
      org.opencontainers.image.licenses="Apache-2.0"
# Listeners on every interface: loopback, the processes' default, is unreachable from outside a container.
# The data directory (KILN_DATA_DIR: embedded database, ingestion buffer, OPC UA PKI, admin key) is the only
# place written to, so the root filesystem may be read-only; node-opcua keeps its default PKI under
# XDG_CONFIG_HOME, moved there too.
ENV NODE_ENV=production \
    KILN_DATA_DIR=/var/lib/kiln \
    KILN_HTTP_HOST=0.0.0.0 \
    KILN_GRPC_HOST=0.0.0.0 \
    XDG_CONFIG_HOME=/var/lib/kiln/.config
WORKDIR /app
# Owned by root and not writable by the process.
COPY --from=build /out/ ./
RUN mkdir -p /var/lib/kiln && chown 1000:1000 /var/lib/kiln
VOLUME ["/var/lib/kiln"]
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# 8080 REST (kiln start: also /healthz /readyz /metrics), 50051 gRPC, 9464 ops of a single service
# (KILN_OPS_PORT of the gateway; KILN_HTTP_PORT of ingestion, normalization, oee, maintenance, erp-sync), 4840 the
# simulator's OPC UA.
EXPOSE 8080 50051 9464 4840
# /healthz of the process's ops endpoints: KILN_OPS_PORT (gateway), else KILN_HTTP_PORT (kiln start, single
# services), else 8080. The simulator serves no HTTP: docker-compose.yml checks its OPC UA port instead.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const port = process.env.KILN_OPS_PORT || process.env.KILN_HTTP_PORT || '8080'; fetch('http://127.0.0.1:' + port + '/healthz', { signal: AbortSignal.timeout(4000) }).then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1));"]
ENTRYPOINT ["node", "packages/cli/dist/main.js"]
CMD ["start"]

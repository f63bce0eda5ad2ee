# tfgw server image. Two stages: the build stage compiles the TypeScript and the
# optional native helper with the dev tools; the runtime stage holds only Node,
# the production dependencies and the built code, and runs as an unprivileged
# user. docs/DEPLOY.md explains the choices; scripts/check-deploy.sh checks them.

FROM node:20-bookworm-slim AS build
# node-gyp needs python3, make and a C/C++ compiler for the native helper.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json binding.gyp ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY deploy/healthcheck.js ./deploy/healthcheck.js
# The package build (dist/src with declarations and the session bundle), then
# the native helper (`npm run install` gives it npm's node-gyp; the image's own
# headers, no download), then the runtime tree in /app without dev dependencies.
ENV npm_config_nodedir=/usr/local
RUN npm run build \
 && npm run install \
 && npm prune --omit=dev --no-audit --no-fund \
 && mkdir -p /app/dist /app/build/Release /app/deploy \
 && cp -a package.json bin node_modules /app/ \
 && cp -a dist/src /app/dist/src \
 && cp deploy/healthcheck.js /app/deploy/ \
 && if [ -f build/Release/tfgw_native.node ]; then cp build/Release/tfgw_native.node /app/build/Release/; fi

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    TFGW_LISTEN=0.0.0.0:10346 \
    TFGW_METRICS_LISTEN=0.0.0.0:9346 \
    TFGW_DATA_DIR=/var/lib/tfgw/data \
    TFGW_SPOOL=/var/lib/tfgw/spool
RUN groupadd --system tfgw \
 && useradd --system --gid tfgw --home-dir /var/lib/tfgw --shell /usr/sbin/nologin tfgw \
 && mkdir -p /var/lib/tfgw/data /var/lib/tfgw/spool \
 && chown -R tfgw:tfgw /var/lib/tfgw \
 && chmod 0700 /var/lib/tfgw/data
WORKDIR /opt/tfgw
COPY --from=build /app ./
USER tfgw
VOLUME ["/var/lib/tfgw/data", "/var/lib/tfgw/spool"]
EXPOSE 10346 9346
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "/opt/tfgw/deploy/healthcheck.js"]
# Exec form: node is PID 1 and gets docker stop's SIGTERM itself (a graceful
# drain within TFGW_SHUTDOWN_DRAIN_MS); run with --init so orphans are reaped.
ENTRYPOINT ["node", "/opt/tfgw/bin/tfgw"]
CMD ["serve"]

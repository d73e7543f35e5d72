# The service in a container: one image for both set-ups of docs/deploy.md (one instance with SQLite in /data, or
# several instances on one PostgreSQL database given by NAOME_DATABASE_URL). Plain HTTP on port 3000: TLS is the
# proxy's in front of it. Not built on the machine this was written on (no container engine there): see the docs.

# Build: npm ci runs `prepare` (build.js: the command line into dist/node, the add-in into dist/addin). The toolchain
# is there only for better-sqlite3, should no prebuilt binary fit; it stays in this stage.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# Run: the built files, production packages, and nothing of the build's toolchain; as the unprivileged "node" user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=root:root /app /app
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000
# /api/health answers 503 when the database cannot be read or written (or its disk is full): the orchestrator sees it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/api/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/naome.js"]
# Behind the TLS proxy add --trust-proxy (docs/deploy.md): only then is X-Forwarded-For believed.
CMD ["serve", "--http", "--host", "0.0.0.0", "--port", "3000", "--data", "/data"]

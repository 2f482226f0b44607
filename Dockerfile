# syntax=docker/dockerfile:1
# imagor-ts container image: build with dev dependencies, run with production dependencies only.
#   docker build -t imagor-ts .
#   docker run -p 8000:8000 -e IMAGOR_UNSAFE=1 -e FILE_LOADER_BASE_DIR=/mnt/data -v "$PWD/examples:/mnt/data" imagor-ts
# Build argument VIPS_TOOLS=true also installs libvips-tools (the `vips` command line) in the runtime stage.

# Base image, chosen on purpose:
# - Node 20, the version every test of the project runs on. Node 20 reached its end of life on 2026-04-30 and the
#   AWS SDK's releases from January 2027 on require Node 22: the code uses nothing Node 22 removed, and
#   `--build-arg NODE_IMAGE=node:22-bookworm-slim` builds the image on 22. The default moves to 22 together with
#   the test machines.
# - Debian bookworm, not Alpine: glibc, which sharp's prebuilt libvips binaries, the malloc settings the workers
#   start with (MALLOC_ARENA_MAX, GLIBC_TUNABLES) and malloc_trim (-vips-heap-trim-interval) need.
# - slim: no compilers or docs in the runtime image; nothing is compiled natively at install time.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ARG VIPS_TOOLS=false
# fonts for the text filters; optional libvips command-line tools
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core \
 && if [ "$VIPS_TOOLS" = "true" ]; then apt-get install -y --no-install-recommends libvips-tools; fi \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    PORT=8000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /build/dist/src ./dist/src
# the face detector cascade (-face-detector), read from ../../../models relative to dist/src/faces
COPY models ./models

# the conventional mount point for file loader/storage volumes, writable by the unprivileged user
RUN mkdir -p /mnt/data && chown node:node /mnt/data
USER node

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "dist/src/observability/healthcheck.js"]
ENTRYPOINT ["node", "dist/src/main.js"]

# attnsim in a container image: the `attnsim` command as the entrypoint, run as the unprivileged
# `node` user. Two stages: the first installs everything from the lock file, builds dist/ and packs
# the package exactly as npm would publish it; the second installs that tarball's runtime
# dependencies only (npm ci --omit=dev, from the same lock file) on a slim Node 20 image.
#
#   docker build -t attnsim .
#   docker run --rm attnsim run --design edge-npu --model bert-base --seq 128
#   docker run --rm -v "$PWD:/work" attnsim sweep /opt/attnsim/examples/sweeps/systolic-sizing.yaml --out quickstart --plots
#
# The examples are in /opt/attnsim/examples; /work (the working directory) is where outputs go.
# examples/deploy/kubernetes.yaml runs this image as distributed-sweep workers and coordinator.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No lifecycle scripts yet: `prepare` builds, and the sources are not copied in yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && npm pack --ignore-scripts --pack-destination /tmp && mv /tmp/attnsim-*.tgz /tmp/attnsim.tgz

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/attnsim
COPY --from=build /tmp/attnsim.tgz /tmp/attnsim.tgz
COPY --from=build /src/package-lock.json ./package-lock.json
# The packed package (bin, dist, schemas, examples) and its runtime dependencies from the lock file.
# --ignore-scripts: `prepare` would rebuild with TypeScript, a dev dependency; every native
# dependency ships prebuilt binaries (@napi-rs/canvas, msgpackr-extract).
RUN tar -xzf /tmp/attnsim.tgz --strip-components=1 && rm /tmp/attnsim.tgz \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force \
 && mkdir -p /work && chown 1000:1000 /work
# The node user of the base image, by number so that Kubernetes can check runAsNonRoot.
USER 1000:1000
WORKDIR /work
ENTRYPOINT ["node", "/opt/attnsim/bin/attnsim.js"]
CMD ["--help"]

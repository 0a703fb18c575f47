# Build: the same `go build` CI runs, static, then copied into a distroless
# image that runs as an unprivileged user.
#
#   docker build --build-arg VERSION=v1.2.0 --build-arg COMMIT=$(git rev-parse HEAD) -t kiln .
FROM golang:1.26 AS build
ARG VERSION=""
ARG COMMIT=""
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/kiln ./cmd/kiln
# The data directory exists in the image owned by the non-root user, so a
# fresh volume mounted there (Docker copies the ownership) is writable.
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=""
LABEL org.opencontainers.image.source="https://github.com/kiln-gitops/kiln" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/kiln /kiln
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV KILN_LISTEN=:8080 KILN_ADMIN_LISTEN=:9090 KILN_DATA_DIR=/data
VOLUME /data
EXPOSE 8080 9090
ENTRYPOINT ["/kiln"]
CMD ["serve"]

# Build: the same `go build` CI runs, static, then copied into a distroless
# image that runs as an unprivileged user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# `kiln version` (and SARIF's tool version) report these; without them the
# Go toolchain's build info is used.
ARG VERSION=
ARG COMMIT=
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/kiln ./cmd/kiln

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kiln /kiln
USER nonroot:nonroot
ENV KILN_LISTEN=:8080 KILN_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/kiln"]
CMD ["serve"]

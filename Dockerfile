# The gtrace image: one static binary (CGO_ENABLED=0, no libc needed) and
# gtrace's tools, on an empty base. Run it as deploy/kubernetes does: uid 0
# with every capability dropped but CAP_BPF and CAP_PERFMON.
#   docker build -t ghcr.io/gtrace/gtrace:latest .
#   docker run --rm --cap-drop ALL --cap-add BPF --cap-add PERFMON \
#     -v /sys/kernel/tracing:/sys/kernel/tracing:ro ghcr.io/gtrace/gtrace:latest \
#     -e 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); } interval:s:5 { exit(); }'
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/gtrace ./cmd/gtrace

FROM scratch
COPY --from=build /out/gtrace /usr/bin/gtrace
COPY tools/ /usr/share/gtrace/tools/
ENTRYPOINT ["/usr/bin/gtrace"]

package queue

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startEmbedded runs a NATS server inside this process with JetStream on
// file storage under dataDir. It listens on no port: only this process can
// reach it, through an in-process connection.
func startEmbedded(cfg Config) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "kiln-embedded",
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.DataDir, "jetstream"),
		DontListen: true,
		NoSigs:     true,
		NoLog:      true,
		MaxPayload: cfg.MaxPayload,
		// Webhook payloads plus headers: leave room above MaxPayload.
		MaxPending: int64(cfg.MaxPayload) * 4,
	}
	if cfg.SyncAlways {
		opts.SyncAlways = true
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats in %s: %w", cfg.DataDir, err)
	}
	ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("embedded nats in %s: not ready after 30s", cfg.DataDir)
	}
	return ns, nil
}

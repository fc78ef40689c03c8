package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/gin-gonic/gin"

	httpapi "github.com/gatehouse-iam/gatehouse/adapters/http"
	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/system"
	"github.com/gatehouse-iam/gatehouse/core/admintoken"
	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/pool"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// App is a wired Gatehouse: its database, use cases and HTTP engine.
type App struct {
	Config Config
	DB     *storage.DB
	Stores *storage.Stores
	Engine *gin.Engine
	// GeneratedAdminToken is set when this start generated the admin token; it is shown once.
	GeneratedAdminToken string
}

// Overrides replaces parts of the wiring in tests (a fixed clock, cheaper password hashing).
type Overrides struct {
	Clock ports.Clock
}

// Build wires an App over an open database.
func Build(ctx context.Context, cfg Config, db *storage.DB, logger *slog.Logger, ov Overrides) (*App, error) {
	stores := storage.NewStores(db)
	guard, generated, err := admintoken.Setup(ctx, stores.Settings, cfg.AdminToken)
	if err != nil {
		return nil, fmt.Errorf("admin token: %w", err)
	}
	var clock ports.Clock = system.Clock{}
	if ov.Clock != nil {
		clock = ov.Clock
	}
	ids := system.IDs{}
	recorder := audit.Recorder{Log: stores.Audit, Clock: clock, IDs: ids}
	pools := &pool.Service{Pools: stores.Pools, Images: stores.Images, Attributes: stores.Attributes, Apps: stores.Apps,
		Tx: db, Clock: clock, IDs: ids, PublicURL: cfg.PublicURL, Audit: recorder}
	engine := httpapi.New(httpapi.Deps{
		Logger: logger,
		Admin:  guard,
		Ready:  func(ctx context.Context) error { return db.PingContext(ctx) },
		Pools:  pools,
		Audit:  &audit.Service{Log: stores.Audit, Pools: stores.Pools, Clock: clock},

		TrustedProxies: cfg.TrustedProxies,
	})
	return &App{Config: cfg, DB: db, Stores: stores, Engine: engine, GeneratedAdminToken: generated}, nil
}

// newLogger builds the process logger from the configuration.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

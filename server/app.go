package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/gin-gonic/gin"

	httpapi "github.com/gatehouse-iam/gatehouse/adapters/http"
	"github.com/gatehouse-iam/gatehouse/adapters/password"
	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/system"
	"github.com/gatehouse-iam/gatehouse/core/admintoken"
	"github.com/gatehouse-iam/gatehouse/core/attribute"
	"github.com/gatehouse-iam/gatehouse/core/pool"
	"github.com/gatehouse-iam/gatehouse/core/user"
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
	// PasswordHasher replaces argon2id with the default cost (tests use cheap parameters).
	PasswordHasher ports.PasswordHasher
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
	pools := &pool.Service{Pools: stores.Pools, Images: stores.Images, Attributes: stores.Attributes, Apps: stores.Apps,
		Tx: db, Clock: clock, IDs: ids, PublicURL: cfg.PublicURL}
	var hasher ports.PasswordHasher = password.New()
	if ov.PasswordHasher != nil {
		hasher = ov.PasswordHasher
	}
	attributes := &attribute.Service{Pools: stores.Pools, Attributes: stores.Attributes, Tx: db, Clock: clock, IDs: ids}
	users := &user.Service{Pools: stores.Pools, Attributes: stores.Attributes, Users: stores.Users, Hasher: hasher,
		Clock: clock, IDs: ids}
	engine := httpapi.New(httpapi.Deps{
		Logger: logger,
		Admin:  guard,
		Ready:  func(ctx context.Context) error { return db.PingContext(ctx) },
		Pools:  pools,

		Attributes: attributes,
		Users:      users,
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

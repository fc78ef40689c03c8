package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/gin-gonic/gin"

	httpapi "github.com/gatehouse-iam/gatehouse/adapters/http"
	"github.com/gatehouse-iam/gatehouse/adapters/jwt"
	"github.com/gatehouse-iam/gatehouse/adapters/secrets"
	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/system"
	"github.com/gatehouse-iam/gatehouse/core/admintoken"
	"github.com/gatehouse-iam/gatehouse/core/pool"
	"github.com/gatehouse-iam/gatehouse/core/token"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// App is a wired Gatehouse: its database, use cases and HTTP engine.
type App struct {
	Config Config
	DB     *storage.DB
	Stores *storage.Stores
	Engine *gin.Engine
	Tokens *token.Service
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
	tokens, err := buildTokens(cfg, stores, clock)
	if err != nil {
		return nil, err
	}
	pools := &pool.Service{Pools: stores.Pools, Images: stores.Images, Attributes: stores.Attributes, Apps: stores.Apps,
		Tx: db, Clock: clock, IDs: ids, PublicURL: cfg.PublicURL}
	engine := httpapi.New(httpapi.Deps{
		Logger: logger,
		Admin:  guard,
		Ready:  func(ctx context.Context) error { return db.PingContext(ctx) },
		Pools:  pools,
		Tokens: tokens,
	})
	return &App{Config: cfg, DB: db, Stores: stores, Engine: engine, Tokens: tokens, GeneratedAdminToken: generated}, nil
}

// buildTokens wires the token service: signing keys sealed under the master key's
// "signing-keys" sub-key.
func buildTokens(cfg Config, stores *storage.Stores, clock ports.Clock) (*token.Service, error) {
	master, err := secrets.LoadMasterKey(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	cipher, err := secrets.NewCipher(secrets.Derive(master, "signing-keys"))
	if err != nil {
		return nil, fmt.Errorf("signing key cipher: %w", err)
	}
	maxTTL := cfg.MaxTokenTTL
	if maxTTL <= 0 {
		maxTTL = token.DefaultMaxTTL
	}
	signer := jwt.New(stores.SigningKeys, cipher, clock, system.IDs{}, jwt.Options{MaxTokenTTL: maxTTL})
	return &token.Service{Signer: signer, Keys: stores.SigningKeys, Pools: stores.Pools, Clock: clock,
		PublicURL: cfg.PublicURL, MaxTTL: maxTTL}, nil
}

// newLogger builds the process logger from the configuration.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/adapters/clientsecret"
	httpapi "github.com/gatehouse-iam/gatehouse/adapters/http"
	"github.com/gatehouse-iam/gatehouse/adapters/jwt"
	"github.com/gatehouse-iam/gatehouse/adapters/password"
	"github.com/gatehouse-iam/gatehouse/adapters/secrets"
	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/system"
	"github.com/gatehouse-iam/gatehouse/core/admintoken"
	"github.com/gatehouse-iam/gatehouse/core/application"
	"github.com/gatehouse-iam/gatehouse/core/attribute"
	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/authsource"
	"github.com/gatehouse-iam/gatehouse/core/connector"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/group"
	"github.com/gatehouse-iam/gatehouse/core/messaging"
	"github.com/gatehouse-iam/gatehouse/core/pool"
	"github.com/gatehouse-iam/gatehouse/core/session"
	"github.com/gatehouse-iam/gatehouse/core/signin"
	"github.com/gatehouse-iam/gatehouse/core/token"
	"github.com/gatehouse-iam/gatehouse/core/user"
	"github.com/gatehouse-iam/gatehouse/plugins/host"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// App is a wired Gatehouse: its database, use cases and HTTP engine.
type App struct {
	Config Config
	DB     *storage.DB
	// Stores are the plain stores: configuration written through them skips the read cache the
	// use cases read through, and this instance sees it only after Config.CacheTTL.
	Stores *storage.Stores
	Engine *gin.Engine
	Host   *host.Host

	messages *messaging.Service
	// Applications is exposed for the token endpoint's wiring and for tests (VerifyClient).
	Applications *application.Service
	Tokens       *token.Service
	// GeneratedAdminToken is set when this start generated the admin token; it is shown once.
	GeneratedAdminToken string
	// Sessions issues the tokens every grant ends with.
	Sessions *session.Service
	// Pools runs the pool use cases (benchmarks and tests seed through it).
	Pools *pool.Service
}

// Overrides replaces parts of the wiring in tests (a fixed clock, cheaper password hashing).
type Overrides struct {
	Clock ports.Clock
	// PasswordHasher replaces argon2id with the default cost (tests use cheap parameters).
	PasswordHasher ports.PasswordHasher
	// AuditLog wraps the audit store that records changes (tests make writes fail).
	AuditLog func(ports.AuditLog) ports.AuditLog
}

// Messages is the message service, for the sign-in flows and tests.
func (a *App) Messages() *messaging.Service { return a.messages }

// Close stops every connector plugin.
func (a *App) Close() error { return a.Host.Close() }

// Build wires an App over an open database. Close the App to stop its plugins.
func Build(ctx context.Context, cfg Config, db *storage.DB, logger *slog.Logger, ov Overrides) (*App, error) {
	stores := storage.NewStores(db)
	// Every use case reads and writes the configuration through the cached stores, so a change
	// on this instance is seen by its next sign-in.
	config := stores.Cached(storage.CacheOptions{TTL: cfg.CacheTTL})
	master, err := secrets.LoadMasterKey(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	connectorCipher, err := secrets.NewCipher(secrets.Derive(master, "connector-secrets"))
	if err != nil {
		return nil, err
	}
	platform, err := platformConnectors(cfg)
	if err != nil {
		return nil, err
	}
	plugins, err := host.New(ctx, host.Config{PluginDir: cfg.PluginDir, CallTimeout: cfg.PluginCallTimeout,
		MaxProcs: cfg.PluginMaxProcs, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("connector plugins: %w", err)
	}
	if err := checkPlatformConnectors(ctx, plugins, platform); err != nil {
		_ = plugins.Close()
		return nil, err
	}
	guard, generated, err := admintoken.Setup(ctx, stores.Settings, cfg.AdminToken)
	if err != nil {
		return nil, fmt.Errorf("admin token: %w", err)
	}
	var clock ports.Clock = system.Clock{}
	if ov.Clock != nil {
		clock = ov.Clock
	}
	ids := system.IDs{}
	tokens, err := buildTokens(cfg, master, stores, clock)
	if err != nil {
		return nil, err
	}
	var auditLog ports.AuditLog = stores.Audit
	if ov.AuditLog != nil {
		auditLog = ov.AuditLog(auditLog)
	}
	recorder := audit.Recorder{Log: auditLog, Clock: clock, IDs: ids}
	pools := &pool.Service{Pools: config.Pools, Images: stores.Images, Attributes: stores.Attributes, Apps: stores.Apps,
		Tx: db, Clock: clock, IDs: ids, PublicURL: cfg.PublicURL, Audit: recorder, Locker: stores.PoolLocker}
	messages := &messaging.Service{Sender: plugins, Cipher: connectorCipher, Pools: config.Pools, Settings: config.MessageSettings,
		Connectors: config.Connectors, Quotas: stores.Quotas, Sources: config.AuthSources, Locker: stores.PoolLocker, Tx: db,
		Audit: recorder, Clock: clock, Platform: platform, Logger: logger,
		FreeQuota: map[string]int{domain.ChannelSMS: cfg.FreeSMSQuota, domain.ChannelEmail: cfg.FreeEmailQuota}}
	connectors := &connector.Service{Connectors: config.Connectors, Pools: config.Pools, Sender: plugins, Messages: messages,
		Cipher: connectorCipher, Locker: stores.PoolLocker, Tx: db, Clock: clock, IDs: ids, Audit: recorder}
	groups := &group.Service{Groups: stores.Groups, Members: stores.Members, Pools: config.Pools, Attributes: stores.Attributes,
		Apps:   config.Applications,
		Locker: stores.PoolLocker, Tx: db, Clock: clock, IDs: ids, Audit: recorder}
	var hasher ports.PasswordHasher = password.New()
	if ov.PasswordHasher != nil {
		hasher = ov.PasswordHasher
	}
	attributes := &attribute.Service{Pools: config.Pools, Attributes: stores.Attributes, Apps: config.Applications,
		Locker: stores.PoolLocker, Tx: db, Clock: clock, IDs: ids, Audit: recorder}
	users := &user.Service{Pools: config.Pools, Attributes: stores.Attributes, Users: stores.Users, Hasher: hasher,
		Locker: stores.PoolLocker, Tx: db, Clock: clock, IDs: ids, Audit: recorder}
	clientSecrets, err := clientsecret.New(master)
	if err != nil {
		return nil, err
	}
	apps := &application.Service{Pools: config.Pools, Apps: config.Applications, Sources: config.AuthSources,
		Attributes: stores.Attributes, Groups: stores.Groups, Images: stores.Images, Locker: stores.PoolLocker,
		Secrets: clientSecrets, Tx: db, Clock: clock, IDs: ids, Audit: recorder}
	sources := &authsource.Service{Pools: config.Pools, Sources: config.AuthSources, Apps: config.Applications,
		Images: stores.Images, Locker: stores.PoolLocker, Tx: db, Clock: clock, IDs: ids, Audit: recorder, Messages: messages}
	sessions := &session.Service{Tokens: tokens, Refresh: stores.RefreshTokens, Clock: clock, IDs: ids,
		Revoked: stores.RevokedTokens, Users: stores.Users, Apps: config.Applications, Tx: db, Audit: recorder}
	grants := map[string]session.Grant{
		session.GrantRefreshToken:      sessions.RefreshGrant,
		session.GrantClientCredentials: sessions.ClientCredentials,
	}
	signIn := &signin.Service{Sources: sources, Messages: messages, Sessions: sessions, Audit: recorder, Pools: config.Pools,
		Users: stores.Users, OTP: stores.OTP, Settings: config.OTPSettings, Limits: stores.RateLimiter, Tx: db, Clock: clock,
		IDs: ids, CodeKey: secrets.Derive(master, "otp-codes")}
	grants[signin.GrantOTPSMS] = signIn.Grant(domain.ChannelSMS)
	grants[signin.GrantOTPEmail] = signIn.Grant(domain.ChannelEmail)
	engine := httpapi.New(httpapi.Deps{
		Logger:       logger,
		Admin:        guard,
		Ready:        func(ctx context.Context) error { return db.PingContext(ctx) },
		Pools:        pools,
		Connectors:   connectors,
		Messages:     messages,
		Groups:       groups,
		Attributes:   attributes,
		Users:        users,
		Applications: apps,
		AuthSources:  sources,
		Tokens:       tokens,
		Grants:       grants,
		Sessions:     sessions,
		SignIn:       signIn,
		Audit:        &audit.Service{Log: stores.Audit, Pools: config.Pools, Clock: clock},

		TrustedProxies: cfg.TrustedProxies,
	})
	return &App{Config: cfg, DB: db, Stores: stores, Engine: engine, Host: plugins, GeneratedAdminToken: generated, messages: messages, Applications: apps, Tokens: tokens, Sessions: sessions, Pools: pools}, nil
}

// buildTokens wires the token service: signing keys sealed under the master key's
// "signing-keys" sub-key.
func buildTokens(cfg Config, master []byte, stores *storage.Stores, clock ports.Clock) (*token.Service, error) {
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

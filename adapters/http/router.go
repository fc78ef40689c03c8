// Package httpapi is Gatehouse's HTTP face on gin: routing, request decoding and validation, the
// one error-to-status mapping, and the management API under /admin/v1.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

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
)

// Deps are the use cases and checks the HTTP face drives.
type Deps struct {
	Logger *slog.Logger
	Admin  AdminVerifier
	// Ready reports whether the server can serve (the database answers).
	Ready      func(ctx context.Context) error
	Pools      *pool.Service
	Connectors *connector.Service
	Messages   *messaging.Service

	// Groups runs the user group use cases.
	Groups *group.Service

	// Attributes and Users serve a pool's attribute catalogue and its users.
	Attributes *attribute.Service
	Users      *user.Service

	Applications *application.Service
	AuthSources  *authsource.Service
	Tokens       *token.Service
	// Grants are the token endpoint's grants by grant_type; the wiring registers each.
	Grants map[string]session.Grant
	Audit  *audit.Service

	// Sessions serves revocation, introspection and userinfo.
	Sessions *session.Service

	// SignIn serves POST /otp/send and the pools' OTP send limits.
	SignIn *signin.Service
	// TrustedProxies are the proxy addresses or CIDRs whose X-Forwarded-For is believed for
	// the client IP the audit log records; none by default.
	TrustedProxies []string
}

type api struct{ Deps }

// New builds the engine with every route.
func New(d Deps) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	a := &api{Deps: d}
	r := gin.New()
	// Handlers pass c.Request.Context() to the core, never c itself: gin recycles its Context
	// objects, while database drivers keep watching a context after a call returns.
	r.HandleMethodNotAllowed = true
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		// The configuration validates the list; trust nobody rather than a bad entry.
		d.Logger.Error("trusted proxies ignored", "error", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(withRequestID, accessLog(d.Logger), recoverPanics, withRequestInfo, exactPathIDs)
	r.NoRoute(func(c *gin.Context) {
		writeError(c, &domain.Error{Kind: domain.KindNotFound, Code: domain.CodeNotFound, Description: "No such endpoint."})
	})
	r.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{Error: "method_not_allowed", Description: "This endpoint does not accept " + c.Request.Method + "."})
	})

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", a.readyz)
	r.GET("/pools/:pool_id/logo", a.poolLogo)
	r.GET("/pools/:pool_id/applications/:app_id/icon", a.applicationIcon)
	r.GET("/pools/:pool_id/auth-sources/:source_id/icon", a.authSourceIcon)
	a.registerOIDC(r)

	a.registerOAuthToken(r)
	a.registerOAuthEndpoints(r)
	admin := r.Group("/admin/v1", requireAdmin(d.Admin))
	a.registerPools(admin)
	a.registerConnectors(admin)
	a.registerMessageSettings(admin)
	a.registerGroups(admin)
	a.registerAttributes(admin)
	a.registerUsers(admin)
	a.registerApplications(admin)
	a.registerAuthSources(admin)
	a.registerAudit(admin)
	a.registerOTP(r, admin)
	return r
}

func (a *api) readyz(c *gin.Context) {
	if err := a.Ready(c.Request.Context()); err != nil {
		a.Logger.WarnContext(c.Request.Context(), "not ready", "error", err)
		c.JSON(http.StatusServiceUnavailable, errorBody{Error: "not_ready", Description: "The database does not answer."})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

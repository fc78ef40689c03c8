package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/application"
	"github.com/gatehouse-iam/gatehouse/core/domain"
)

type applicationBody struct {
	ID                  string         `json:"id"`
	PoolID              string         `json:"pool_id"`
	Type                string         `json:"type"`
	Name                string         `json:"name"`
	IconURL             string         `json:"icon_url,omitempty"`
	Industry            string         `json:"industry"`
	Description         string         `json:"description"`
	ClientID            string         `json:"client_id"`
	ClientSecret        string         `json:"client_secret,omitempty"` // only in the create answer
	HasClientSecret     bool           `json:"has_client_secret"`
	Enabled             bool           `json:"enabled"`
	RedirectURIs        []string       `json:"redirect_uris"`
	LogoutRedirectURIs  []string       `json:"logout_redirect_uris"`
	AccessTokenTTL      int            `json:"access_token_ttl_seconds"`
	RefreshTokenEnabled bool           `json:"refresh_token_enabled"`
	RefreshTokenTTL     int            `json:"refresh_token_ttl_seconds"`
	SigningAlg          string         `json:"signing_alg"`
	Claims              []string       `json:"claims"`
	Process             domain.Process `json:"process"`
	CORSOrigins         []string       `json:"cors_origins"`
	// AllowedOrigins is cors_origins plus the origins of the redirect URIs (allowed implicitly).
	AllowedOrigins []string  `json:"allowed_origins"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (a *api) applicationBody(app *domain.Application) applicationBody {
	b := applicationBody{ID: app.ID, PoolID: app.PoolID, Type: string(app.Type), Name: app.Name, Industry: app.Industry,
		Description: app.Description, ClientID: app.ClientID, HasClientSecret: app.HasSecret(), Enabled: app.Enabled,
		RedirectURIs: nonNil(app.RedirectURIs), LogoutRedirectURIs: nonNil(app.LogoutRedirectURIs),
		AccessTokenTTL: app.AccessTokenTTL, RefreshTokenEnabled: app.RefreshTokenEnabled, RefreshTokenTTL: app.RefreshTokenTTL,
		SigningAlg: string(app.SigningAlg), Claims: nonNil(app.Claims), Process: app.Process, CORSOrigins: nonNil(app.CORSOrigins),
		AllowedOrigins: nonNil(domain.AllowedOrigins(app)), CreatedAt: app.CreatedAt, UpdatedAt: app.UpdatedAt}
	p := &b.Process
	p.Registration.GeneralAttributes = nonNil(p.Registration.GeneralAttributes)
	p.Login.AssociatedSourceIDs = nonNil(p.Login.AssociatedSourceIDs)
	if p.Registration.ConsentStatements == nil {
		p.Registration.ConsentStatements = []domain.ConsentStatement{}
	}
	if p.Login.ConsentStatements == nil {
		p.Login.ConsentStatements = []domain.ConsentStatement{}
	}
	if app.IconImageID != "" {
		b.IconURL = a.Pools.Issuer(app.PoolID) + "/applications/" + app.ID + "/icon?v=" + app.IconImageID
	}
	return b
}

type registrationJSON struct {
	Enabled           *bool                     `json:"enabled"`
	Identifier        string                    `json:"identifier"`
	SMSOTPSourceID    string                    `json:"sms_otp_source_id"`
	EmailOTPSourceID  string                    `json:"email_otp_source_id"`
	GeneralAttributes []string                  `json:"general_attributes"`
	GroupID           string                    `json:"group_id"`
	AutoLogin         bool                      `json:"auto_login"`
	ConsentStatements []domain.ConsentStatement `json:"consent_statements"`
}

type loginJSON struct {
	Enabled             *bool                     `json:"enabled"`
	PreferredSourceID   string                    `json:"preferred_source_id"`
	AssociatedSourceIDs []string                  `json:"associated_source_ids"`
	RememberPassword    bool                      `json:"remember_password"`
	ConsentStatements   []domain.ConsentStatement `json:"consent_statements"`
}

type mfaJSON struct {
	Enabled  *bool  `json:"enabled"`
	SourceID string `json:"source_id"`
}

type recoveryJSON struct {
	Enabled *bool  `json:"enabled"`
	Method  string `json:"method"`
}

// processJSON: each module given replaces the stored module; omitted fields take defaults.
type processJSON struct {
	Registration     *registrationJSON `json:"registration"`
	Login            *loginJSON        `json:"login"`
	MFA              *mfaJSON          `json:"mfa"`
	RetrieveUsername *recoveryJSON     `json:"retrieve_username"`
	ResetPassword    *recoveryJSON     `json:"reset_password"`
}

// applicationRequest is the body of create (type and name required) and of PATCH (every field
// optional; type cannot change).
type applicationRequest struct {
	Type        *string `json:"type"`
	Name        *string `json:"name"`
	Icon        *string `json:"icon"` // base64 PNG/JPEG (or data: URL); "" removes it
	Industry    *string `json:"industry"`
	Description *string `json:"description"`
	Enabled     *bool   `json:"enabled"`

	RedirectURIs        *[]string `json:"redirect_uris"`
	LogoutRedirectURIs  *[]string `json:"logout_redirect_uris"`
	AccessTokenTTL      *int      `json:"access_token_ttl_seconds"`
	RefreshTokenEnabled *bool     `json:"refresh_token_enabled"`
	RefreshTokenTTL     *int      `json:"refresh_token_ttl_seconds"`
	SigningAlg          *string   `json:"signing_alg"`
	Claims              *[]string `json:"claims"`

	Process     *processJSON `json:"process"`
	CORSOrigins *[]string    `json:"cors_origins"`
}

func (r *applicationRequest) settings() (application.Settings, error) {
	s := application.Settings{Name: r.Name, Industry: r.Industry, Description: r.Description, Enabled: r.Enabled,
		RedirectURIs: r.RedirectURIs, LogoutRedirectURIs: r.LogoutRedirectURIs, AccessTokenTTL: r.AccessTokenTTL,
		RefreshTokenEnabled: r.RefreshTokenEnabled, RefreshTokenTTL: r.RefreshTokenTTL, SigningAlg: r.SigningAlg,
		Claims: r.Claims, CORSOrigins: r.CORSOrigins}
	icon, err := optionalImage("icon", r.Icon)
	if err != nil {
		return s, err
	}
	s.Icon = icon
	if p := r.Process; p != nil {
		if g := p.Registration; g != nil {
			s.Registration = &application.RegistrationInput{Enabled: g.Enabled, Identifier: g.Identifier, SMSOTPSourceID: g.SMSOTPSourceID,
				EmailOTPSourceID: g.EmailOTPSourceID, GeneralAttributes: g.GeneralAttributes, GroupID: g.GroupID, AutoLogin: g.AutoLogin,
				ConsentStatements: g.ConsentStatements}
		}
		if l := p.Login; l != nil {
			s.Login = &application.LoginInput{Enabled: l.Enabled, PreferredSourceID: l.PreferredSourceID,
				AssociatedSourceIDs: l.AssociatedSourceIDs, RememberPassword: l.RememberPassword, ConsentStatements: l.ConsentStatements}
		}
		if m := p.MFA; m != nil {
			s.MFA = &application.MFAInput{Enabled: m.Enabled, SourceID: m.SourceID}
		}
		if u := p.RetrieveUsername; u != nil {
			s.RetrieveUsername = &application.RecoveryInput{Enabled: u.Enabled, Method: u.Method}
		}
		if u := p.ResetPassword; u != nil {
			s.ResetPassword = &application.RecoveryInput{Enabled: u.Enabled, Method: u.Method}
		}
	}
	return s, nil
}

// Handlers hand the use cases c.Request.Context(), never c itself: gin recycles a Context once
// the handler returns, while database/sql goroutines may still call its Done (a data race that
// -race reports).
func (a *api) registerApplications(r *gin.RouterGroup) {
	g := r.Group("/pools/:pool_id/applications")
	g.POST("", a.createApplication)
	g.GET("", a.listApplications)
	g.GET("/:app_id", a.getApplication)
	g.PATCH("/:app_id", a.updateApplication)
	g.DELETE("/:app_id", a.deleteApplication)
	g.POST("/:app_id/enable", a.setApplicationEnabled(true))
	g.POST("/:app_id/disable", a.setApplicationEnabled(false))
	g.POST("/:app_id/secret", a.rotateApplicationSecret)
}

func (a *api) createApplication(c *gin.Context) {
	var req applicationRequest
	if err := decodeJSON(c, maxImageBody, &req); err != nil {
		writeError(c, err)
		return
	}
	settings, err := req.settings()
	if err != nil {
		writeError(c, err)
		return
	}
	if req.Type == nil {
		writeError(c, domain.InvalidField("type", "is required"))
		return
	}
	created, err := a.Applications.Create(c.Request.Context(), application.CreateRequest{PoolID: c.Param("pool_id"), Type: *req.Type, Settings: settings})
	if err != nil {
		writeError(c, err)
		return
	}
	body := a.applicationBody(created.App)
	body.ClientSecret = created.ClientSecret
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, body)
}

func (a *api) listApplications(c *gin.Context) {
	page, err := pageOf(c)
	if err != nil {
		writeError(c, err)
		return
	}
	list, err := a.Applications.List(c.Request.Context(), c.Param("pool_id"), page)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, listOf(list, a.applicationBody))
}

func (a *api) getApplication(c *gin.Context) {
	app, err := a.Applications.Get(c.Request.Context(), c.Param("pool_id"), c.Param("app_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, a.applicationBody(app))
}

func (a *api) updateApplication(c *gin.Context) {
	var req applicationRequest
	if err := decodeJSON(c, maxImageBody, &req); err != nil {
		writeError(c, err)
		return
	}
	settings, err := req.settings()
	if err != nil {
		writeError(c, err)
		return
	}
	app, err := a.Applications.Update(c.Request.Context(), application.UpdateRequest{PoolID: c.Param("pool_id"), ID: c.Param("app_id"), Type: req.Type, Settings: settings})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, a.applicationBody(app))
}

func (a *api) deleteApplication(c *gin.Context) {
	if err := a.Applications.Delete(c.Request.Context(), c.Param("pool_id"), c.Param("app_id")); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *api) setApplicationEnabled(enabled bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		app, err := a.Applications.SetEnabled(c.Request.Context(), c.Param("pool_id"), c.Param("app_id"), enabled)
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, a.applicationBody(app))
	}
}

func (a *api) rotateApplicationSecret(c *gin.Context) {
	secret, err := a.Applications.RotateSecret(c.Request.Context(), c.Param("pool_id"), c.Param("app_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"client_secret": secret})
}

// applicationIcon serves an application's icon publicly (login pages show it), like the pool
// logo.
func (a *api) applicationIcon(c *gin.Context) {
	img, err := a.Applications.Icon(c.Request.Context(), c.Param("pool_id"), c.Param("app_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	serveImage(c, img)
}

// serveImage answers with an image whose URL carries ?v=<image id>, so it may be cached long.
func serveImage(c *gin.Context, img *domain.Image) {
	c.Header("Cache-Control", "public, max-age=86400")
	c.Header("ETag", `"`+img.ID+`"`)
	c.Header("X-Content-Type-Options", "nosniff")
	if etagMatch(c.GetHeader("If-None-Match"), `"`+img.ID+`"`) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, img.ContentType, img.Data)
}

package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/authsource"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type warningBody struct {
	Code         string          `json:"code"`
	Applications []domain.AppRef `json:"applications"`
}

func warningOf(w *authsource.Warning) *warningBody {
	if w == nil {
		return nil
	}
	return &warningBody{Code: w.Code, Applications: w.Applications}
}

type authSourceBody struct {
	ID          string                  `json:"id"`
	PoolID      string                  `json:"pool_id"`
	Type        string                  `json:"type"`
	Name        string                  `json:"name"`
	IconURL     string                  `json:"icon_url,omitempty"`
	Attribute   string                  `json:"attribute"`
	Description string                  `json:"description"`
	Enabled     bool                    `json:"enabled"`
	Policy      domain.AuthSourcePolicy `json:"policy"`
	CreatedAt   time.Time               `json:"created_at"`
	UpdatedAt   time.Time               `json:"updated_at"`
	// Warning is set when disabling succeeded but applications still use the source.
	Warning *warningBody `json:"warning,omitempty"`
}

func (a *api) authSourceBody(s *domain.AuthSource) authSourceBody {
	b := authSourceBody{ID: s.ID, PoolID: s.PoolID, Type: string(s.Type), Name: s.Name, Attribute: s.Attribute,
		Description: s.Description, Enabled: s.Enabled, Policy: s.Policy, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	if s.IconImageID != "" {
		b.IconURL = a.Pools.Issuer(s.PoolID) + "/auth-sources/" + s.ID + "/icon?v=" + s.IconImageID
	}
	return b
}

type policyJSON struct {
	CodeLength      *int            `json:"code_length"`
	CodeTTLSeconds  *int            `json:"code_ttl_seconds"`
	Strength        *string         `json:"strength"`
	PasswordHistory *int            `json:"password_history"`
	Lockout         *domain.Lockout `json:"lockout"`
	Captcha         *domain.Captcha `json:"captcha"`
}

// authSourceRequest is the body of create (type and name required) and of PATCH (every field
// optional; type and enabled cannot be patched).
type authSourceRequest struct {
	Type        *string     `json:"type"`
	Name        *string     `json:"name"`
	Icon        *string     `json:"icon"` // base64 PNG/JPEG (or data: URL); "" removes it
	Attribute   *string     `json:"attribute"`
	Description *string     `json:"description"`
	Enabled     *bool       `json:"enabled"`
	Policy      *policyJSON `json:"policy"`
}

func (r *authSourceRequest) settings() (authsource.Settings, error) {
	s := authsource.Settings{Name: r.Name, Description: r.Description, Attribute: r.Attribute}
	icon, err := optionalImage("icon", r.Icon)
	if err != nil {
		return s, err
	}
	s.Icon = icon
	if p := r.Policy; p != nil {
		s.Policy = &authsource.PolicyInput{CodeLength: p.CodeLength, CodeTTLSeconds: p.CodeTTLSeconds, Strength: p.Strength,
			PasswordHistory: p.PasswordHistory, Lockout: p.Lockout, Captcha: p.Captcha}
	}
	return s, nil
}

type testPasswordRequest struct {
	Password string `json:"password" validate:"max=1024"`
	// Strength tests a preset other than the stored one (to try it before saving).
	Strength *string `json:"strength"`
}

func (a *api) registerAuthSources(r *gin.RouterGroup) {
	g := r.Group("/pools/:pool_id/auth-sources")
	g.POST("", a.createAuthSource)
	g.GET("", a.listAuthSources)
	g.GET("/:source_id", a.getAuthSource)
	g.PATCH("/:source_id", a.updateAuthSource)
	g.DELETE("/:source_id", a.deleteAuthSource)
	g.POST("/:source_id/enable", a.enableAuthSource)
	g.POST("/:source_id/disable", a.disableAuthSource)
	g.POST("/:source_id/test-password", a.testPassword)
	g.POST("/:source_id/test", a.testAuthSource)
}

type testAuthSourceRequest struct {
	PhoneNumber string `json:"phone_number" validate:"max=64"`
	Email       string `json:"email" validate:"max=320"`
}

// testAuthSource sends a test OTP message through an enabled SMS or email OTP source.
func (a *api) testAuthSource(c *gin.Context) {
	var req testAuthSourceRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	d, err := a.AuthSources.Test(c.Request.Context(), authsource.TestRequest{PoolID: c.Param("pool_id"), ID: c.Param("source_id"),
		PhoneNumber: req.PhoneNumber, Email: req.Email})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, deliveryBody{MessageID: d.MessageID, LatencyMS: float64(d.Latency.Microseconds()) / 1000})
}

func (a *api) createAuthSource(c *gin.Context) {
	var req authSourceRequest
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
	src, err := a.AuthSources.Create(c.Request.Context(), authsource.CreateRequest{PoolID: c.Param("pool_id"), Type: *req.Type, Enabled: req.Enabled, Settings: settings})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, a.authSourceBody(src))
}

func (a *api) listAuthSources(c *gin.Context) {
	page, err := pageOf(c)
	if err != nil {
		writeError(c, err)
		return
	}
	q := ports.AuthSourceQuery{Type: domain.AuthSourceType(c.Query("type")), Page: page}
	list, err := a.AuthSources.List(c.Request.Context(), c.Param("pool_id"), q)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, listOf(list, a.authSourceBody))
}

func (a *api) getAuthSource(c *gin.Context) {
	src, err := a.AuthSources.Get(c.Request.Context(), c.Param("pool_id"), c.Param("source_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, a.authSourceBody(src))
}

func (a *api) updateAuthSource(c *gin.Context) {
	var req authSourceRequest
	if err := decodeJSON(c, maxImageBody, &req); err != nil {
		writeError(c, err)
		return
	}
	if req.Enabled != nil {
		writeError(c, domain.InvalidField("enabled", "use POST …/enable or …/disable"))
		return
	}
	settings, err := req.settings()
	if err != nil {
		writeError(c, err)
		return
	}
	src, err := a.AuthSources.Update(c.Request.Context(), authsource.UpdateRequest{PoolID: c.Param("pool_id"), ID: c.Param("source_id"), Type: req.Type, Settings: settings})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, a.authSourceBody(src))
}

func (a *api) deleteAuthSource(c *gin.Context) {
	warn, err := a.AuthSources.Delete(c.Request.Context(), c.Param("pool_id"), c.Param("source_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	if warn != nil {
		c.JSON(http.StatusOK, gin.H{"warning": warningOf(warn)})
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *api) enableAuthSource(c *gin.Context) {
	src, err := a.AuthSources.Enable(c.Request.Context(), c.Param("pool_id"), c.Param("source_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, a.authSourceBody(src))
}

func (a *api) disableAuthSource(c *gin.Context) {
	src, warn, err := a.AuthSources.Disable(c.Request.Context(), c.Param("pool_id"), c.Param("source_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	body := a.authSourceBody(src)
	body.Warning = warningOf(warn)
	c.JSON(http.StatusOK, body)
}

func (a *api) testPassword(c *gin.Context) {
	var req testPasswordRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	v, err := a.AuthSources.TestPassword(c.Request.Context(), authsource.TestPasswordRequest{PoolID: c.Param("pool_id"), ID: c.Param("source_id"),
		Password: req.Password, Strength: req.Strength})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"valid": v.Valid, "reasons": v.Reasons})
}

// authSourceIcon serves a source's icon publicly (login pages show it).
func (a *api) authSourceIcon(c *gin.Context) {
	img, err := a.AuthSources.Icon(c.Request.Context(), c.Param("pool_id"), c.Param("source_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	serveImage(c, img)
}

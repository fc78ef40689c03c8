package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/signin"
)

// otpSendRequest is the body of POST /otp/send (the seed's fields).
type otpSendRequest struct {
	Usage        string `json:"usage" validate:"max=32"`
	PhoneNumber  string `json:"phone_number" validate:"max=32"`
	Email        string `json:"email" validate:"max=320"`
	AuthSourceID string `json:"auth_source_id" validate:"max=64"`
}

type otpSendBody struct {
	OTPToken string `json:"otp_token"`
}

func (a *api) registerOTP(r *gin.Engine, admin *gin.RouterGroup) {
	r.POST("/otp/send", a.otpSend)
	r.POST("/pools/:pool_id/otp/send", a.otpSend)
	admin.GET("/pools/:pool_id/otp-settings", a.getOTPSettings)
	admin.PUT("/pools/:pool_id/otp-settings", a.putOTPSettings)
}

// otpSend is POST /otp/send: the client authenticates with HTTP Basic (URL-encoded parts; an
// empty secret for public clients), at the root the pool is the client's.
func (a *api) otpSend(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	ctx := c.Request.Context()
	// HTTP Basic only: the seed's body has no client_id.
	id, secret, err := clientCredentials(c.Request, "", "")
	if err != nil {
		writeError(c, err)
		return
	}
	var req otpSendRequest
	if err := decodeJSON(c, maxTokenBody, &req); err != nil {
		writeError(c, err)
		return
	}
	app, err := a.verifyClient(c, id, secret)
	if err != nil {
		writeError(c, err)
		return
	}
	resp, err := a.SignIn.Send(ctx, signin.SendRequest{App: app, Usage: req.Usage, PhoneNumber: req.PhoneNumber, Email: req.Email,
		AuthSourceID: req.AuthSourceID, Locale: c.GetHeader("Accept-Language"), IP: c.ClientIP(), UserAgent: c.Request.UserAgent()})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, otpSendBody{OTPToken: resp.OTPToken})
}

type otpSettingsBody struct {
	RecipientCooldownSeconds int        `json:"recipient_cooldown_seconds"`
	RecipientHourlyLimit     int        `json:"recipient_hourly_limit"`
	RecipientDailyLimit      int        `json:"recipient_daily_limit"`
	IPLimit                  int        `json:"ip_limit"`
	IPWindowSeconds          int        `json:"ip_window_seconds"`
	PoolDailyLimit           int        `json:"pool_daily_limit"`
	BlockedEmailDomains      []string   `json:"blocked_email_domains"`
	UpdatedAt                *time.Time `json:"updated_at,omitempty"`
}

// putOTPSettingsRequest replaces every limit; all fields are required (ranges checked by the
// core, so the answer names each bad field).
type putOTPSettingsRequest struct {
	RecipientCooldownSeconds *int     `json:"recipient_cooldown_seconds" validate:"required"`
	RecipientHourlyLimit     *int     `json:"recipient_hourly_limit" validate:"required"`
	RecipientDailyLimit      *int     `json:"recipient_daily_limit" validate:"required"`
	IPLimit                  *int     `json:"ip_limit" validate:"required"`
	IPWindowSeconds          *int     `json:"ip_window_seconds" validate:"required"`
	PoolDailyLimit           *int     `json:"pool_daily_limit" validate:"required"`
	BlockedEmailDomains      []string `json:"blocked_email_domains"`
}

func otpSettingsOf(s *domain.OTPSettings) otpSettingsBody {
	b := otpSettingsBody{RecipientCooldownSeconds: s.RecipientCooldownSeconds, RecipientHourlyLimit: s.RecipientHourlyLimit,
		RecipientDailyLimit: s.RecipientDailyLimit, IPLimit: s.IPLimit, IPWindowSeconds: s.IPWindowSeconds,
		PoolDailyLimit: s.PoolDailyLimit, BlockedEmailDomains: s.BlockedEmailDomains}
	if b.BlockedEmailDomains == nil {
		b.BlockedEmailDomains = []string{}
	}
	if !s.UpdatedAt.IsZero() {
		b.UpdatedAt = &s.UpdatedAt
	}
	return b
}

func (a *api) getOTPSettings(c *gin.Context) {
	s, err := a.SignIn.GetSettings(c.Request.Context(), c.Param("pool_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, otpSettingsOf(s))
}

func (a *api) putOTPSettings(c *gin.Context) {
	var req putOTPSettingsRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	s, err := a.SignIn.PutSettings(c.Request.Context(), signin.PutSettingsRequest{PoolID: c.Param("pool_id"), Settings: domain.OTPSettings{
		RecipientCooldownSeconds: *req.RecipientCooldownSeconds, RecipientHourlyLimit: *req.RecipientHourlyLimit,
		RecipientDailyLimit: *req.RecipientDailyLimit, IPLimit: *req.IPLimit, IPWindowSeconds: *req.IPWindowSeconds,
		PoolDailyLimit: *req.PoolDailyLimit, BlockedEmailDomains: req.BlockedEmailDomains}})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, otpSettingsOf(s))
}

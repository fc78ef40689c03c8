package httpapi

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/session"
)

// tokenRequest is a token request in either encoding. Unknown parameters are ignored, as
// RFC 6749 requires of the token endpoint.
type tokenRequest struct {
	GrantType    string   `json:"grant_type"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Scope        string   `json:"scope"`
	AuthSourceID string   `json:"auth_source_id"`
	PhoneNumber  string   `json:"phone_number"`
	Email        string   `json:"email"`
	OTPToken     string   `json:"otp_token"`
	OTP          string   `json:"otp"`
	AutoSignup   flexBool `json:"auto_signup"`
	RefreshToken string   `json:"refresh_token"`
}

// flexBool accepts true, "true", false, "false" (the seed passes the string "true").
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	s := strings.Trim(string(data), `"`)
	if s == "" || s == "null" {
		*b = false
		return nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("must be a boolean")
	}
	*b = flexBool(v)
	return nil
}

// parseTokenRequest reads a JSON (the seed's form) or application/x-www-form-urlencoded
// (RFC 6749's) body.
func parseTokenRequest(c *gin.Context) (*tokenRequest, error) {
	body, err := readOAuthBody(c)
	if err != nil {
		return nil, err
	}
	return decodeTokenRequest(mediaTypeOf(c), body)
}

func decodeTokenRequest(mediaType string, body []byte) (*tokenRequest, error) {
	var req tokenRequest
	err := decodeOAuthParams(mediaType, body, &req, func(form url.Values) error {
		req = tokenRequest{GrantType: form.Get("grant_type"), ClientID: form.Get("client_id"), ClientSecret: form.Get("client_secret"),
			Scope: form.Get("scope"), AuthSourceID: form.Get("auth_source_id"), PhoneNumber: form.Get("phone_number"),
			Email: form.Get("email"), OTPToken: form.Get("otp_token"), OTP: form.Get("otp"), RefreshToken: form.Get("refresh_token")}
		if v := form.Get("auto_signup"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return domain.Invalid(domain.CodeInvalidRequest, "auto_signup must be true or false.")
			}
			req.AutoSignup = flexBool(b)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if req.GrantType == "" {
		return nil, domain.Invalid(domain.CodeInvalidRequest, "The grant_type parameter is required.")
	}
	return &req, nil
}

// clientCredentials takes the client from HTTP Basic authentication, whose parts are
// URL-encoded (base64(url_encode(id) + ":" + url_encode(secret))), or else from the body's
// client_id and client_secret.
func clientCredentials(r *http.Request, bodyID, bodySecret string) (id, secret string, err error) {
	if user, pass, ok := r.BasicAuth(); ok {
		if id, err = url.QueryUnescape(user); err == nil {
			secret, err = url.QueryUnescape(pass)
		}
		if err != nil {
			return "", "", domain.Unauthenticated("invalid_client", "Client authentication failed.")
		}
		// The body's client_id is plain, the header's URL-encoded: compare them decoded.
		if bodyID != "" && bodyID != id {
			return "", "", domain.Invalid(domain.CodeInvalidRequest, "client_id differs from the authenticated client.")
		}
		return id, secret, nil
	}
	if bodyID == "" {
		return "", "", domain.Unauthenticated("invalid_client", "Client authentication failed.")
	}
	return bodyID, bodySecret, nil
}

// verifyClient authenticates a client; under /pools/{pool_id} it must also be that pool's.
func (a *api) verifyClient(c *gin.Context, id, secret string) (*domain.Application, error) {
	app, err := a.Applications.VerifyClient(c.Request.Context(), id, secret)
	if err == nil && c.Param("pool_id") != "" && app.PoolID != c.Param("pool_id") {
		return nil, domain.Unauthenticated("invalid_client", "Client authentication failed.")
	}
	return app, err
}

func (a *api) registerOAuthToken(r *gin.Engine) {
	r.POST("/oauth2/token", a.token)
	r.POST("/pools/:pool_id/oauth2/token", a.token)
}

type tokenBody struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// token is POST /oauth2/token: client authentication, then the grant named by grant_type.
func (a *api) token(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Pragma", "no-cache")
	req, err := parseTokenRequest(c)
	if err != nil {
		writeError(c, err)
		return
	}
	grant, ok := a.Grants[req.GrantType]
	if !ok {
		writeError(c, domain.Invalid("unsupported_grant_type", "The grant type is not supported."))
		return
	}
	id, secret, err := clientCredentials(c.Request, req.ClientID, req.ClientSecret)
	if err != nil {
		writeError(c, err)
		return
	}
	ctx := c.Request.Context()
	app, err := a.verifyClient(c, id, secret)
	if err != nil {
		writeError(c, err)
		return
	}
	resp, err := grant(ctx, app, session.GrantRequest{GrantType: req.GrantType, Scope: req.Scope, AuthSourceID: req.AuthSourceID,
		PhoneNumber: req.PhoneNumber, Email: req.Email, OTPToken: req.OTPToken, OTP: req.OTP, AutoSignup: bool(req.AutoSignup),
		RefreshToken: req.RefreshToken, IP: c.ClientIP(), UserAgent: c.Request.UserAgent()})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, tokenBody{AccessToken: resp.AccessToken, TokenType: resp.TokenType, ExpiresIn: resp.ExpiresIn,
		Scope: resp.Scope, IDToken: resp.IDToken, RefreshToken: resp.RefreshToken})
}

package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/session"
)

// tokenRequest is a token request in either encoding, its parameters read by readOAuthParams.
// Unknown parameters are ignored, as RFC 6749 requires of the token endpoint.
type tokenRequest struct {
	GrantType, ClientID, ClientSecret, Scope, AuthSourceID string
	PhoneNumber, Email, OTPToken, OTP, RefreshToken        string
	AutoSignup                                             bool
}

func parseTokenRequest(c *gin.Context) (*tokenRequest, error) {
	p, err := readOAuthParams(c)
	if err != nil {
		return nil, err
	}
	return tokenRequestOf(p)
}

// tokenRequestOf takes a token request's parameters; only grant_type is required of every grant.
func tokenRequestOf(p url.Values) (*tokenRequest, error) {
	req := tokenRequest{GrantType: p.Get("grant_type"), ClientID: p.Get("client_id"), ClientSecret: p.Get("client_secret"),
		Scope: p.Get("scope"), AuthSourceID: p.Get("auth_source_id"), PhoneNumber: p.Get("phone_number"),
		Email: p.Get("email"), OTPToken: p.Get("otp_token"), OTP: p.Get("otp"), RefreshToken: p.Get("refresh_token")}
	if v := p.Get("auto_signup"); v != "" {
		var err error
		if req.AutoSignup, err = strconv.ParseBool(v); err != nil {
			return nil, domain.Invalid(domain.CodeInvalidRequest, "auto_signup must be true or false.")
		}
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
		PhoneNumber: req.PhoneNumber, Email: req.Email, OTPToken: req.OTPToken, OTP: req.OTP, AutoSignup: req.AutoSignup,
		RefreshToken: req.RefreshToken, IP: c.ClientIP(), UserAgent: c.Request.UserAgent()})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, tokenBody{AccessToken: resp.AccessToken, TokenType: resp.TokenType, ExpiresIn: resp.ExpiresIn,
		Scope: resp.Scope, IDToken: resp.IDToken, RefreshToken: resp.RefreshToken})
}

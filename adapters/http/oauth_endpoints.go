package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/session"
)

// registerOAuthEndpoints adds revocation (RFC 7009), introspection (RFC 7662) and UserInfo at
// the server root and under each pool's issuer.
func (a *api) registerOAuthEndpoints(r *gin.Engine) {
	for _, prefix := range []string{"", "/pools/:pool_id"} {
		r.POST(prefix+"/oauth2/revoke", a.revoke)
		r.POST(prefix+"/oauth2/introspect", a.introspect)
		r.GET(prefix+"/oauth2/userinfo", a.userinfo)
		r.POST(prefix+"/oauth2/userinfo", a.userinfo)
	}
}

// tokenParams are the parameters of a revocation or introspection request.
type tokenParams struct {
	Token, TokenTypeHint, ClientID, ClientSecret string
}

func parseTokenParams(c *gin.Context) (*tokenParams, error) {
	p, err := readOAuthParams(c)
	if err != nil {
		return nil, err
	}
	if p.Get("token") == "" {
		return nil, domain.Invalid(domain.CodeInvalidRequest, "The token parameter is required.")
	}
	return &tokenParams{Token: p.Get("token"), TokenTypeHint: p.Get("token_type_hint"),
		ClientID: p.Get("client_id"), ClientSecret: p.Get("client_secret")}, nil
}

// authenticatedClient reads the request and authenticates its client as the token endpoint
// does; under /pools/{pool_id} the client must belong to that pool.
func (a *api) authenticatedClient(c *gin.Context) (*domain.Application, *tokenParams, error) {
	p, err := parseTokenParams(c)
	if err != nil {
		return nil, nil, err
	}
	id, secret, err := clientCredentials(c.Request, p.ClientID, p.ClientSecret)
	if err != nil {
		return nil, nil, err
	}
	app, err := a.verifyClient(c, id, secret)
	if err != nil {
		return nil, nil, err
	}
	return app, p, nil
}

// revoke is POST /oauth2/revoke: 200 with an empty body whether or not the token was known.
func (a *api) revoke(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	app, p, err := a.authenticatedClient(c)
	if err == nil {
		err = a.Sessions.Revoke(c.Request.Context(), app, session.RevokeRequest{Token: p.Token, TokenTypeHint: p.TokenTypeHint,
			IP: c.ClientIP(), UserAgent: c.Request.UserAgent()})
	}
	if err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusOK)
}

// introspectionBody is RFC 7662's answer; an inactive token is exactly {"active":false}.
type introspectionBody struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	TokenType string `json:"token_type,omitempty"`
	Exp       int64  `json:"exp,omitempty"`
	Iat       int64  `json:"iat,omitempty"`
	Sub       string `json:"sub,omitempty"`
	Aud       string `json:"aud,omitempty"`
	Iss       string `json:"iss,omitempty"`
	JTI       string `json:"jti,omitempty"`
}

// introspect is POST /oauth2/introspect.
func (a *api) introspect(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	app, p, err := a.authenticatedClient(c)
	if err != nil {
		writeError(c, err)
		return
	}
	in, err := a.Sessions.Introspect(c.Request.Context(), app, p.Token)
	if err != nil {
		writeError(c, err)
		return
	}
	if !in.Active {
		c.JSON(http.StatusOK, introspectionBody{})
		return
	}
	c.JSON(http.StatusOK, introspectionBody{Active: true, Scope: in.Scope, ClientID: in.ClientID, TokenType: in.TokenType,
		Exp: in.ExpiresAt, Iat: in.IssuedAt, Sub: in.Subject, Aud: in.Audience, Iss: in.Issuer, JTI: in.JTI})
}

// userinfo is GET|POST /oauth2/userinfo with a bearer access token (RFC 6750: the
// Authorization header, or access_token in a form body on POST). At the server root the pool is
// the one the token's issuer names; the token is then verified with that pool's keys.
func (a *api) userinfo(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	tok, err := bearerToken(c)
	if err != nil {
		writeError(c, err)
		return
	}
	poolID := c.Param("pool_id")
	if poolID == "" {
		var ok bool
		if poolID, ok = a.Tokens.PoolOf(tok); !ok {
			writeError(c, domain.Unauthenticated("invalid_token", "The access token is invalid or expired."))
			return
		}
	}
	claims, err := a.Sessions.UserInfo(c.Request.Context(), poolID, tok)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, claims)
}

// bearerToken takes the access token from "Authorization: Bearer" or, on a form POST, from
// the access_token parameter; sending it both ways is refused (RFC 6750 §2).
func bearerToken(c *gin.Context) (string, error) {
	var tok string
	if h := c.GetHeader("Authorization"); h != "" {
		scheme, value, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(value) == "" {
			return "", domain.Unauthenticated("invalid_token", "The Authorization header must carry a Bearer token.")
		}
		tok = strings.TrimSpace(value)
	}
	if c.Request.Method == http.MethodPost && mediaTypeOf(c) == formMediaType {
		form, err := readOAuthParams(c)
		if err != nil {
			return "", err
		}
		if v := form.Get("access_token"); v != "" {
			if tok != "" {
				return "", domain.Invalid(domain.CodeInvalidRequest, "Send the access token one way only.")
			}
			tok = v
		}
	}
	if tok == "" {
		return "", domain.Unauthenticated("invalid_token", "An access token is required.")
	}
	return tok, nil
}

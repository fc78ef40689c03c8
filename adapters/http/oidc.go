package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// OpenID Connect grant type URIs of the OTP sign-in (Tencent CIAM's names, kept for
// compatibility with its SDKs).
const (
	GrantOTPSMS   = "http://tencentciam.com/oauth2/grant-type/otp/sms"
	GrantOTPEmail = "http://tencentciam.com/oauth2/grant-type/otp/email"
)

// jwksMaxAge is how long clients may cache a JWKS. It is short because a rotation activates its
// new key at once; verifiers refetch the set when they meet an unknown kid anyway.
const jwksMaxAge = "public, max-age=60"

// discoveryBody is the OpenID Provider Metadata of a pool (OpenID Connect Discovery 1.0 §3).
type discoveryBody struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	IntrospectionEndpoint             string   `json:"introspection_endpoint"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
}

// registerOIDC adds the public OpenID Connect documents of each pool, below its issuer.
func (a *api) registerOIDC(r *gin.Engine) {
	r.GET("/pools/:pool_id/.well-known/openid-configuration", a.discovery)
	r.GET("/pools/:pool_id/oauth2/jwks", a.jwks)
}

func (a *api) discovery(c *gin.Context) {
	iss, err := a.Tokens.PoolIssuer(c.Request.Context(), c.Param("pool_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	// authorization_endpoint is required by Discovery and listed, though the OTP grants at the
	// token endpoint are how users sign in today.
	c.Header("Cache-Control", "public, max-age=300")
	c.Header("Access-Control-Allow-Origin", "*")
	c.JSON(http.StatusOK, discoveryBody{
		Issuer:                            iss,
		AuthorizationEndpoint:             iss + "/oauth2/authorize",
		TokenEndpoint:                     iss + "/oauth2/token",
		UserinfoEndpoint:                  iss + "/oauth2/userinfo",
		JWKSURI:                           iss + "/oauth2/jwks",
		RevocationEndpoint:                iss + "/oauth2/revoke",
		IntrospectionEndpoint:             iss + "/oauth2/introspect",
		ResponseTypesSupported:            []string{"code"},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  domain.SigningAlgs,
		GrantTypesSupported:               []string{GrantOTPSMS, GrantOTPEmail, "refresh_token", "client_credentials"},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post", "none"},
		ScopesSupported:                   []string{"openid"},
		ClaimsSupported: []string{"iss", "sub", "aud", "azp", "exp", "iat", "nbf", "jti", "auth_time", "amr", "nonce",
			"scope", "client_id"},
	})
}

// jwks answers from the signer's pre-serialized set: no encoding, no database on a cache hit.
func (a *api) jwks(c *gin.Context) {
	set, err := a.Tokens.JWKS(c.Request.Context(), c.Param("pool_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	h := c.Writer.Header()
	h["Cache-Control"] = []string{jwksMaxAge}
	h["Etag"] = []string{set.ETag}
	h["Access-Control-Allow-Origin"] = []string{"*"}
	if inm := c.GetHeader("If-None-Match"); inm != "" && etagMatch(inm, set.ETag) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, "application/json", set.JSON)
}

// etagMatch reports whether an If-None-Match list names etag (weak comparison, "*" matches).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

package httpapi

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// errorBody is the one error shape of every endpoint.
type errorBody struct {
	Error       string              `json:"error"`
	Description string              `json:"error_description,omitempty"`
	Details     []domain.FieldError `json:"details,omitempty"`
}

// statusOf is the one mapping from error kind to HTTP status.
func statusOf(kind domain.Kind) int {
	switch kind {
	case domain.KindInvalid:
		return http.StatusBadRequest
	case domain.KindUnauthenticated:
		return http.StatusUnauthorized
	case domain.KindForbidden:
		return http.StatusForbidden
	case domain.KindNotFound:
		return http.StatusNotFound
	case domain.KindConflict:
		return http.StatusConflict
	case domain.KindRateLimited:
		return http.StatusTooManyRequests
	case domain.KindUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// writeError answers with err's status and body. Internal errors are logged with their cause
// and answered without it.
func writeError(c *gin.Context, err error) {
	e, ok := domain.AsError(err)
	if !ok || e.Kind == domain.KindInternal {
		slog.ErrorContext(c.Request.Context(), "request failed", "request_id", requestID(c), "error", err)
		c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody{Error: domain.CodeInternal, Description: "An internal error occurred."})
		return
	}
	if e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int((e.RetryAfter+999_999_999)/1_000_000_000)))
	}
	if e.Kind == domain.KindUnauthenticated {
		c.Header("WWW-Authenticate", challengeOf(e.Code))
	}
	c.AbortWithStatusJSON(statusOf(e.Kind), errorBody{Error: e.Code, Description: e.Description, Details: e.Details})
}

// challengeOf is the WWW-Authenticate of a 401 (RFC 9110 §15.5.2: every 401 carries one). The
// error's code says which authentication failed, so it picks the scheme in this one place:
// invalid_client is a client's (/otp/send, the token, revocation and introspection endpoints),
// challenged with Basic, the one scheme those endpoints read for clients — RFC 6749 §5.2 wants
// the scheme the client used in its Authorization header, and to a client that sent another
// scheme, none, or body credentials Basic names the one that would work. Any other 401 is a
// bearer token refused (the admin API, userinfo): RFC 6750.
func challengeOf(code string) string {
	if code == "invalid_client" {
		return `Basic realm="gatehouse"`
	}
	challenge := `Bearer realm="gatehouse"`
	if code == "invalid_token" { // RFC 6750 §3: name the error of a refused bearer token
		challenge += `, error="invalid_token"`
	}
	return challenge
}

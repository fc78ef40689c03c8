package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

const requestIDKey = "request_id"

func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// withRequestID takes a sane X-Request-ID from the client or makes one, and echoes it.
func withRequestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if id == "" || len(id) > 64 || strings.ContainsAny(id, " \t\r\n") {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(requestIDKey, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

// accessLog logs one line per request. It logs the path without its query string, and no
// header or body, so passwords and tokens never reach the log.
func accessLog(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		logger.LogAttrs(c.Request.Context(), level, "http request",
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", status),
			slog.Duration("latency", time.Since(start)),
			slog.String("request_id", requestID(c)),
		)
	}
}

// recoverPanics turns a handler panic into a 500 with the standard body.
func recoverPanics(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			writeError(c, domain.Internal("panic", fmt.Errorf("%v", r)))
		}
	}()
	c.Next()
}

// withRequestInfo puts the caller's IP and user agent in the request context for the audit log.
// The IP is gin's ClientIP: the TCP peer, unless the peer is a configured trusted proxy (none
// by default), in which case X-Forwarded-For / X-Real-IP are believed.
func withRequestInfo(c *gin.Context) {
	info := domain.RequestInfoFrom(c.Request.Context())
	info.IP, info.UserAgent = c.ClientIP(), c.Request.UserAgent()
	c.Request = c.Request.WithContext(domain.WithRequestInfo(c.Request.Context(), info))
	c.Next()
}

// AdminVerifier checks a management API bearer token.
type AdminVerifier interface {
	Verify(token string) error
}

func requireAdmin(v AdminVerifier) gin.HandlerFunc {
	return func(c *gin.Context) {
		scheme, token, _ := strings.Cut(c.GetHeader("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			token = ""
		}
		if err := v.Verify(strings.TrimSpace(token)); err != nil {
			writeError(c, err)
			return
		}
		info := domain.RequestInfoFrom(c.Request.Context())
		info.Actor = domain.ActorAdmin
		// Administrators read what they (or another instance) just wrote, not a cached copy.
		c.Request = c.Request.WithContext(domain.WithFreshReads(domain.WithRequestInfo(c.Request.Context(), info)))
		c.Next()
	}
}

// exactPathIDs answers 404 for a path parameter (an id or a name) with surrounding white
// space. No id or name has any, and MySQL's utf8mb4_bin ignores trailing spaces when it
// compares: such a parameter would find the object there and not on SQLite, and the server's
// own exact comparisons (is this group an application's registration group?) would miss it.
func exactPathIDs(c *gin.Context) {
	for _, p := range c.Params {
		if strings.TrimSpace(p.Value) != p.Value {
			writeError(c, &domain.Error{Kind: domain.KindNotFound, Code: domain.CodeNotFound,
				Description: "Nothing has this " + p.Key + "."})
			c.Abort()
			return
		}
	}
	c.Next()
}

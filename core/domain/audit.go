package domain

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// AuditType is the closed set of audit log types. Sign-in events have their own type (the
// guide's "Log type" column); every change made through the management API is ADMIN_CHANGE and
// says what it did in AuditEvent.Action.
type AuditType string

const (
	AuditSendOTP       AuditType = "SEND_OTP"
	AuditLogin         AuditType = "LOGIN"
	AuditSignup        AuditType = "SIGNUP"
	AuditRefresh       AuditType = "REFRESH"
	AuditLogout        AuditType = "LOGOUT"
	AuditResetPassword AuditType = "RESET_PASSWORD"
	AuditAdminChange   AuditType = "ADMIN_CHANGE"
)

// AuditTypes lists every AuditType, in the order the API documents them.
func AuditTypes() []AuditType {
	return []AuditType{AuditSendOTP, AuditLogin, AuditSignup, AuditRefresh, AuditLogout, AuditResetPassword, AuditAdminChange}
}

// Valid reports whether t is one of the known types.
func (t AuditType) Valid() bool {
	for _, k := range AuditTypes() {
		if t == k {
			return true
		}
	}
	return false
}

// AuditResult is the outcome of an audited operation.
type AuditResult string

const (
	AuditSuccess AuditResult = "success"
	AuditFailure AuditResult = "failure"
)

// Valid reports whether r is success or failure.
func (r AuditResult) Valid() bool { return r == AuditSuccess || r == AuditFailure }

// Actions of administrative changes: "<object type>.<verb>". Other capabilities add theirs
// ("user.lock", "application.create" …) next to their use cases; the format is checked by
// ValidAuditAction.
const (
	ActionPoolCreate     = "pool.create"
	ActionPoolUpdate     = "pool.update"
	ActionPoolDelete     = "pool.delete"
	ActionPoolSetDefault = "pool.set_default"
)

var auditActionRE = regexp.MustCompile(`^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`)

// ValidAuditAction reports whether action has the "object.verb" shape (lowercase, at most 64).
func ValidAuditAction(action string) bool {
	return len(action) <= 64 && auditActionRE.MatchString(action)
}

// ActorAdmin is the actor of changes made with the management API token.
const ActorAdmin = "admin"

// Column limits of the audit log, in characters. Longer values are cut, never refused: an
// audit write must not fail because a client sent a long user agent.
const (
	MaxAuditDetails   = 1024
	MaxAuditUserAgent = 512
	MaxAuditIP        = 45
	MaxAuditShort     = 64 // actor, object id, action
	MaxAuditID        = 36 // auth source, application and user ids
)

// AuditEvent is one row of a pool's audit log: a sign-in event (LOGIN, SIGNUP …) or an
// administrative change (ADMIN_CHANGE with Action, ObjectType, ObjectID and the object's state
// Before and After, secrets removed).
type AuditEvent struct {
	ID            string
	PoolID        string
	Time          time.Time
	Type          AuditType
	Action        string
	Result        AuditResult
	Actor         string // "admin" for the management token, a user id for end users
	ObjectType    string
	ObjectID      string
	Details       string
	AuthSourceID  string
	ApplicationID string
	UserID        string
	IP            string
	UserAgent     string
	Before        map[string]any
	After         map[string]any
}

// Normalize checks the closed sets, cuts over-long text to the column limits and redacts
// Before and After once more, so no caller can store a secret by forgetting to.
func (e *AuditEvent) Normalize() error {
	var p Problems
	if e.PoolID == "" {
		p.Add("pool_id", "is required")
	}
	if !e.Type.Valid() {
		p.Add("type", fmt.Sprintf("unknown audit type %q", e.Type))
	}
	if !e.Result.Valid() {
		p.Add("result", fmt.Sprintf("unknown audit result %q", e.Result))
	}
	switch {
	case e.Type == AuditAdminChange && e.Action == "":
		p.Add("action", "is required for an admin change")
	case e.Action != "" && !ValidAuditAction(e.Action):
		p.Add("action", fmt.Sprintf("must look like object.verb, got %q", e.Action))
	}
	if err := p.Err(); err != nil {
		return Internal("audit event", err) // a programming error, not a client's
	}
	e.Time = e.Time.UTC()
	e.Details = cut(e.Details, MaxAuditDetails)
	e.UserAgent = cut(e.UserAgent, MaxAuditUserAgent)
	e.IP = cut(e.IP, MaxAuditIP)
	e.Actor = cut(e.Actor, MaxAuditShort)
	e.ObjectType = cut(e.ObjectType, MaxAuditShort)
	e.ObjectID = cut(e.ObjectID, MaxAuditShort)
	e.AuthSourceID = cut(e.AuthSourceID, MaxAuditID)
	e.ApplicationID = cut(e.ApplicationID, MaxAuditID)
	e.UserID = cut(e.UserID, MaxAuditID)
	e.Before = fit(Redact(e.Before), MaxAuditSnapshotBytes)
	e.After = fit(Redact(e.After), MaxAuditSnapshotBytes)
	return nil
}

// MaxAuditSnapshotBytes bounds the JSON of Before and of After (MySQL's TEXT holds 65 535
// bytes): an application's twenty 2 KiB redirect URIs alone encode to over 200 KB.
const MaxAuditSnapshotBytes = 32 << 10

// fit returns m, or when its JSON is over limit bytes a copy in which the largest top-level
// values are replaced by a "[TRUNCATED: n bytes]" note until it fits, so the small fields (ids,
// names, flags) stay readable and the audit write never fails on size.
func fit(m map[string]any, limit int) map[string]any {
	raw, err := json.Marshal(m)
	if err != nil || len(raw) <= limit {
		return m
	}
	type field struct {
		key  string
		size int
	}
	fields := make([]field, 0, len(m))
	for k, v := range m {
		b, _ := json.Marshal(v)
		fields = append(fields, field{k, len(b)})
	}
	sort.Slice(fields, func(i, j int) bool {
		if fields[i].size != fields[j].size {
			return fields[i].size > fields[j].size
		}
		return fields[i].key < fields[j].key
	})
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	size := len(raw)
	for _, f := range fields {
		if size <= limit {
			break
		}
		note := fmt.Sprintf("[TRUNCATED: %d bytes]", f.size)
		out[f.key] = note
		size -= f.size - len(note) - 2
	}
	return out
}

// cut shortens s to at most n characters without splitting a UTF-8 sequence.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// Redacted replaces the value of a secret key in audit snapshots.
const Redacted = "[REDACTED]"

// secretKeys are normalized key names (lowercase, without _ and -) whose values never reach
// the audit log. secretSuffixes catch compounds such as "smtp_password" or "refresh_token".
var (
	secretKeys = map[string]bool{
		"password": true, "passwordhash": true, "secret": true, "clientsecret": true, "token": true,
		"apikey": true, "secretkey": true, "code": true, "otp": true,
		"verificationcode": true, "authcode": true, "authorizationcode": true, "privatekey": true,
		"credentials": true, "credential": true, "salt": true,
		// A Tencent Cloud SecretId names a key pair; it is not itself secret and stays readable.
		"secretid": false,
	}
	secretSuffixes = []string{"password", "passwordhash", "secret", "token", "apikey", "secretkey", "otp", "privatekey"}
)

// IsSecretKey reports whether an attribute named key holds a secret.
func IsSecretKey(key string) bool {
	k := normalizeKey(key)
	if v, ok := secretKeys[k]; ok {
		return v
	}
	for _, s := range secretSuffixes {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	return false
}

func normalizeKey(key string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(key))
}

// Redact returns a copy of m in which the value of every secret key (at any depth, including
// inside lists) is replaced by Redacted. Empty secrets stay empty so "no secret set" remains
// visible. A nil map stays nil.
func Redact(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if IsSecretKey(k) {
			switch x := v.(type) {
			case nil, bool:
				// A flag (remember_password: true) says whether, never what.
				out[k] = v
			case string:
				if x == "" {
					out[k] = v
				} else {
					out[k] = Redacted
				}
			case map[string]any:
				// An object under a compound name ("reset_password": {enabled, method}) is a
				// settings group: redact inside it. One under a secret's own name
				// ("credentials") goes whole.
				if secretKeys[normalizeKey(k)] {
					out[k] = Redacted
				} else {
					out[k] = Redact(x)
				}
			default:
				out[k] = Redacted
			}
			continue
		}
		out[k] = redactValue(v)
	}
	return out
}

func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return Redact(x)
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = redactValue(x[i])
		}
		return out
	default:
		return v
	}
}

// AuditSnapshot turns v into a redacted JSON object for AuditEvent.Before/After: nil and a nil
// pointer stay nil (no state: a create's before, a delete's after), a map[string]any is copied,
// anything else goes through encoding/json (so use a struct with snake_case json tags, or a
// map, to name the keys as the API does).
func AuditSnapshot(v any) (map[string]any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return Redact(x), nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, Internal("audit snapshot", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, Internal("audit snapshot: not a JSON object", err)
	}
	return Redact(m), nil // nil where v was a nil pointer, which encodes as null
}

// RequestInfo is who made the current request and from where; the HTTP layer puts it in the
// context and the audit recorder reads it.
type RequestInfo struct {
	Actor     string
	IP        string
	UserAgent string
}

type requestInfoKey struct{}

// WithRequestInfo returns ctx carrying info.
func WithRequestInfo(ctx context.Context, info RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

// RequestInfoFrom is the request info in ctx, or the zero value outside a request.
func RequestInfoFrom(ctx context.Context) RequestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(RequestInfo)
	return info
}

type freshReadsKey struct{}

// WithFreshReads marks ctx as wanting every read to see the latest committed state, so caches
// in front of the stores must not answer it. The management API reads this way: an
// administrator, or a tool applying configuration, reads back what it wrote whichever instance
// serves the read, while sign-ins keep the cache.
func WithFreshReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, freshReadsKey{}, true)
}

// FreshReads reports whether ctx was marked by WithFreshReads.
func FreshReads(ctx context.Context) bool {
	fresh, _ := ctx.Value(freshReadsKey{}).(bool)
	return fresh
}

package ports

import (
	"context"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// AuditQuery filters a pool's audit log. Empty fields do not filter. From is inclusive, To
// exclusive; a zero To leaves the range open at the top.
type AuditQuery struct {
	From, To      time.Time
	Type          domain.AuditType
	Result        domain.AuditResult
	AuthSourceID  string
	ApplicationID string
	// Search is a case-insensitive (ASCII) substring of details, action, object id, user id or
	// IP. It is evaluated on the rows the other filters leave, so it costs a scan of the range.
	Search string
	Page   domain.Page
	// MaxCount bounds the count: Total is min(matches, MaxCount). 0 counts every match.
	MaxCount int
}

// AuditLog keeps every pool's audit log. Record joins the transaction in ctx, so an event is
// stored if and only if the change it describes is. List answers newest first, ties broken by
// id (descending).
type AuditLog interface {
	Record(ctx context.Context, event *domain.AuditEvent) error
	List(ctx context.Context, poolID string, q AuditQuery) (domain.List[domain.AuditEvent], error)
}

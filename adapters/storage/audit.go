package storage

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type auditRow struct {
	bun.BaseModel `bun:"table:audit_logs"`

	ID            string    `bun:"id,pk"`
	PoolID        string    `bun:"pool_id"`
	OccurredAt    time.Time `bun:"occurred_at"`
	Type          string    `bun:"type"`
	Action        string    `bun:"action"`
	Result        string    `bun:"result"`
	Actor         string    `bun:"actor"`
	ObjectType    string    `bun:"object_type"`
	ObjectID      string    `bun:"object_id"`
	Details       string    `bun:"details"`
	AuthSourceID  string    `bun:"auth_source_id"`
	ApplicationID string    `bun:"application_id"`
	UserID        string    `bun:"user_id"`
	IP            string    `bun:"ip"`
	UserAgent     string    `bun:"user_agent"`
	BeforeJSON    *string   `bun:"before_json"`
	AfterJSON     *string   `bun:"after_json"`
}

func auditToRow(e *domain.AuditEvent) (*auditRow, error) {
	before, err := jsonObject(e.Before)
	if err != nil {
		return nil, err
	}
	after, err := jsonObject(e.After)
	if err != nil {
		return nil, err
	}
	return &auditRow{ID: e.ID, PoolID: e.PoolID, OccurredAt: e.Time.UTC(), Type: string(e.Type), Action: e.Action,
		Result: string(e.Result), Actor: e.Actor, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Details: e.Details,
		AuthSourceID: e.AuthSourceID, ApplicationID: e.ApplicationID, UserID: e.UserID, IP: e.IP, UserAgent: e.UserAgent,
		BeforeJSON: before, AfterJSON: after}, nil
}

// jsonObject encodes a snapshot, redacting it once more: the core already did, but a secret in
// the audit table would outlive any fix, so the last layer before the disk checks too.
func jsonObject(m map[string]any) (*string, error) {
	if m == nil {
		return nil, nil
	}
	raw, err := json.Marshal(domain.Redact(m))
	if err != nil {
		return nil, domain.Internal("audit: encode snapshot", err)
	}
	s := string(raw)
	return &s, nil
}

func (r *auditRow) domain() (domain.AuditEvent, error) {
	e := domain.AuditEvent{ID: r.ID, PoolID: r.PoolID, Time: r.OccurredAt.UTC(), Type: domain.AuditType(r.Type),
		Action: r.Action, Result: domain.AuditResult(r.Result), Actor: r.Actor, ObjectType: r.ObjectType,
		ObjectID: r.ObjectID, Details: r.Details, AuthSourceID: r.AuthSourceID, ApplicationID: r.ApplicationID,
		UserID: r.UserID, IP: r.IP, UserAgent: r.UserAgent}
	for _, f := range []struct {
		raw *string
		dst *map[string]any
	}{{r.BeforeJSON, &e.Before}, {r.AfterJSON, &e.After}} {
		if f.raw == nil {
			continue
		}
		if err := json.Unmarshal([]byte(*f.raw), f.dst); err != nil {
			return e, domain.Internal("audit: decode snapshot of "+r.ID, err)
		}
	}
	return e, nil
}

// AuditLog implements ports.AuditLog on the audit_logs table.
type AuditLog struct {
	db     *DB
	writes *writeBatcher[*auditRow]
}

var _ ports.AuditLog = (*AuditLog)(nil)

func newAuditLog(db *DB) *AuditLog {
	s := &AuditLog{db: db}
	s.writes = newWriteBatcher(db, insertRows[*auditRow]("pool")) // the only foreign key is the pool's
	return s
}

// Record stores one event. Inside a transaction (tx in ctx) the event is a statement of that
// transaction and commits or rolls back with the change it describes. Outside one (sign-in
// events) it is committed with the events recorded concurrently, in one INSERT: a statement and
// a commit per event made the audit log a large share of the database's work under load.
// Either way Record returns once the event is committed.
func (s *AuditLog) Record(ctx context.Context, e *domain.AuditEvent) error {
	row, err := auditToRow(e)
	if err != nil {
		return err
	}
	return s.writes.Write(ctx, row)
}

// RecordBatch inserts many events with one multi-row INSERT, through the transaction in ctx if
// any; refresh rotations record their events with it, and benchmarks seed with it.
func (s *AuditLog) RecordBatch(ctx context.Context, events []domain.AuditEvent) error {
	rows := make([]*auditRow, len(events))
	for i := range events {
		r, err := auditToRow(&events[i])
		if err != nil {
			return err
		}
		rows[i] = r
	}
	return s.writes.write(ctx, s.db.idb(ctx), rows)
}

// List answers one page newest first plus a count bounded by q.MaxCount (skipped when the page
// is short, as it is then the last). Both queries use the same WHERE, which every index of the table serves by (pool_id, <filter>, occurred_at, id):
// the page is a backward index range scan that stops after Page.Size rows, and the count
// stops after MaxCount rows, so neither grows with the size of the pool or of the range.
func (s *AuditLog) List(ctx context.Context, poolID string, q ports.AuditQuery) (domain.List[domain.AuditEvent], error) {
	out := domain.List[domain.AuditEvent]{Page: q.Page}
	var rows []auditRow
	sel := s.filter(s.db.idb(ctx).NewSelect().Model(&rows), poolID, q).
		OrderExpr("occurred_at DESC, id DESC")
	if err := paginate(sel, q.Page).Scan(ctx); err != nil {
		return out, mapErr(err, "audit log")
	}
	if n := len(rows); n < q.Page.Size && (n > 0 || q.Page.Number == 1) {
		// A short page is the last one: the total is known without counting, which spares a
		// second scan of the range when matches are rare (a search for a seldom-seen term).
		out.Total = q.Page.Offset() + n
		if q.MaxCount > 0 {
			out.Total = min(out.Total, q.MaxCount)
		}
	} else {
		total, err := s.count(ctx, poolID, q)
		if err != nil {
			return out, err
		}
		out.Total = total
	}
	var err error
	out.Items = make([]domain.AuditEvent, len(rows))
	for i := range rows {
		if out.Items[i], err = rows[i].domain(); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (s *AuditLog) count(ctx context.Context, poolID string, q ports.AuditQuery) (int, error) {
	inner := s.filter(s.db.idb(ctx).NewSelect().TableExpr("audit_logs").ColumnExpr("1"), poolID, q)
	if q.MaxCount > 0 {
		inner = inner.Limit(int64(q.MaxCount))
	}
	var n int
	err := s.db.idb(ctx).NewSelect().TableExpr("(?) AS matches", inner).ColumnExpr("COUNT(*)").Scan(ctx, &n)
	if err != nil {
		return 0, mapErr(err, "audit log")
	}
	return n, nil
}

// filter adds the WHERE of q. Equality filters come first so the planner picks the index of
// the most selective one; the search is a LIKE '%…%' evaluated on the rows the index range
// leaves (it cannot use an index).
func (s *AuditLog) filter(q *bun.SelectQuery, poolID string, aq ports.AuditQuery) *bun.SelectQuery {
	q = q.Where("pool_id = ?", poolID)
	if aq.Type != "" {
		q = q.Where("type = ?", string(aq.Type))
	}
	if aq.Result != "" {
		q = q.Where("result = ?", string(aq.Result))
	}
	if aq.ApplicationID != "" {
		q = q.Where("application_id = ?", aq.ApplicationID)
	}
	if aq.AuthSourceID != "" {
		q = q.Where("auth_source_id = ?", aq.AuthSourceID)
	}
	if !aq.From.IsZero() {
		q = q.Where("occurred_at >= ?", aq.From.UTC())
	}
	if !aq.To.IsZero() {
		q = q.Where("occurred_at < ?", aq.To.UTC())
	}
	if aq.Search != "" {
		// One LIKE over the searched columns joined by a newline (the core refuses control
		// characters in a search, so a match cannot span two columns) costs a fifth of five
		// LIKEs. '!' is the escape character because a backslash means different things in
		// MySQL and SQLite string literals.
		term := aq.Search
		if s.db.Dialect == "mysql" {
			term = strings.ToLower(term) // as the row text is (searchExpr)
		}
		q = q.Where(s.searchExpr()+" LIKE ? ESCAPE '!'", likeContains(term))
	}
	return q
}

// searchExpr is the searched text of a row, lowercased where the dialect's LIKE would be
// case-sensitive: SQLite's LIKE already ignores ASCII case (and only ASCII case, so its term is
// not lowercased either: École finds École there, not école), MySQL's under utf8mb4_bin does not.
func (s *AuditLog) searchExpr() string {
	if s.db.Dialect == "mysql" {
		return "LOWER(CONCAT_WS(CHAR(10 USING utf8mb4), details, action, object_id, user_id, ip))"
	}
	return "(details || char(10) || action || char(10) || object_id || char(10) || user_id || char(10) || ip)"
}

// likeContains escapes LIKE wildcards in s with '!' and wraps it in %…%.
func likeContains(s string) string {
	return "%" + strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s) + "%"
}

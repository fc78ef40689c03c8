package audit_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// now is a Sunday noon in UTC, 20:00 in Shanghai.
var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

type clock struct{}

func (clock) Now() time.Time { return now }

type pools struct{ ports.PoolStore }

func (pools) Get(_ context.Context, id string) (*domain.Pool, error) {
	if id != "p1" {
		return nil, domain.NotFound("pool")
	}
	return &domain.Pool{ID: id}, nil
}

type log struct {
	got   ports.AuditQuery
	total int
	saved []domain.AuditEvent
}

func (l *log) Record(_ context.Context, e *domain.AuditEvent) error {
	l.saved = append(l.saved, *e)
	return nil
}
func (l *log) List(_ context.Context, _ string, q ports.AuditQuery) (domain.List[domain.AuditEvent], error) {
	l.got = q
	return domain.List[domain.AuditEvent]{Total: l.total, Page: q.Page}, nil
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestListResolvesRanges(t *testing.T) {
	for _, tc := range []struct {
		name     string
		req      audit.ListRequest
		from, to time.Time
	}{
		{"default is last 7 days", audit.ListRequest{}, utc("2026-11-15T12:00:00Z"), time.Time{}},
		{"today in UTC", audit.ListRequest{Range: "today"}, utc("2026-11-22T00:00:00Z"), utc("2026-11-23T00:00:00Z")},
		{"yesterday in UTC", audit.ListRequest{Range: "yesterday"}, utc("2026-11-21T00:00:00Z"), utc("2026-11-22T00:00:00Z")},
		{"today in Shanghai", audit.ListRequest{Range: "today", TZ: "Asia/Shanghai"}, utc("2026-11-21T16:00:00Z"), utc("2026-11-22T16:00:00Z")},
		{"yesterday in New York", audit.ListRequest{Range: "yesterday", TZ: "America/New_York"}, utc("2026-11-21T05:00:00Z"), utc("2026-11-22T05:00:00Z")},
		{"last 30 days", audit.ListRequest{Range: "last_30_days"}, utc("2026-10-23T12:00:00Z"), time.Time{}},
		{"custom", audit.ListRequest{Range: "custom", From: "2026-01-01T08:00:00+08:00", To: "2026-02-01T00:00:00Z"},
			utc("2026-01-01T00:00:00Z"), utc("2026-02-01T00:00:00Z")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &log{}
			s := &audit.Service{Log: l, Pools: pools{}, Clock: clock{}}
			tc.req.PoolID = "p1"
			res, err := s.List(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if !l.got.From.Equal(tc.from) || !l.got.To.Equal(tc.to) || !res.From.Equal(tc.from) || !res.To.Equal(tc.to) {
				t.Fatalf("range [%s, %s), want [%s, %s)", l.got.From, l.got.To, tc.from, tc.to)
			}
			if l.got.MaxCount != audit.CountCap+1 || l.got.Page != (domain.Page{Number: 1, Size: 20}) {
				t.Fatalf("query %+v", l.got)
			}
		})
	}
}

func TestListPassesFilters(t *testing.T) {
	l := &log{}
	s := &audit.Service{Log: l, Pools: pools{}, Clock: clock{}}
	_, err := s.List(context.Background(), audit.ListRequest{PoolID: "p1", Type: "LOGIN", Result: "failure",
		AuthSourceID: "src", ApplicationID: "app", Search: "  alice ", Page: domain.Page{Number: 2, Size: 50}})
	if err != nil {
		t.Fatal(err)
	}
	q := l.got
	if q.Type != domain.AuditLogin || q.Result != domain.AuditFailure || q.AuthSourceID != "src" || q.ApplicationID != "app" ||
		q.Search != "alice" || q.Page != (domain.Page{Number: 2, Size: 50}) {
		t.Fatalf("query %+v", q)
	}
}

func TestListCapsTheCount(t *testing.T) {
	for _, tc := range []struct {
		stored, total int
		capped, more  bool
	}{{12, 12, false, false}, {21, 21, false, true}, {audit.CountCap, audit.CountCap, false, true}, {audit.CountCap + 1, audit.CountCap, true, true}} {
		s := &audit.Service{Log: &log{total: tc.stored}, Pools: pools{}, Clock: clock{}}
		res, err := s.List(context.Background(), audit.ListRequest{PoolID: "p1"})
		if err != nil || res.Total != tc.total || res.TotalCapped != tc.capped || res.HasMore != tc.more {
			t.Errorf("store counted %d: total %d capped %v more %v (%v)", tc.stored, res.Total, res.TotalCapped, res.HasMore, err)
		}
	}
}

// pagedLog holds n events and answers pages of them like the store does.
type pagedLog struct {
	n       int
	queries []ports.AuditQuery
}

func (l *pagedLog) Record(context.Context, *domain.AuditEvent) error { return nil }
func (l *pagedLog) List(_ context.Context, _ string, q ports.AuditQuery) (domain.List[domain.AuditEvent], error) {
	l.queries = append(l.queries, q)
	out := domain.List[domain.AuditEvent]{Page: q.Page, Total: min(l.n, q.MaxCount)}
	for i := q.Page.Offset(); i < l.n && i < q.Page.Offset()+q.Page.Size; i++ {
		out.Items = append(out.Items, domain.AuditEvent{ID: fmt.Sprint(i)})
	}
	return out, nil
}

func TestHasMoreBeyondTheCountIsProbed(t *testing.T) {
	for _, tc := range []struct {
		stored, page int
		more         bool
		probed       bool
	}{
		{5000, 50, true, false}, // rows 981..1000: the count (1001) shows more follow
		{5000, 51, true, true},  // past the count: probe finds row 1021
		{1040, 52, false, true}, // rows 1021..1040 are the last
		{1041, 52, true, true},
	} {
		l := &pagedLog{n: tc.stored}
		s := &audit.Service{Log: l, Pools: pools{}, Clock: clock{}}
		res, err := s.List(context.Background(), audit.ListRequest{PoolID: "p1", Page: domain.Page{Number: tc.page, Size: 20}})
		if err != nil || !res.TotalCapped || len(res.Items) != 20 {
			t.Fatalf("%+v: %v", res, err)
		}
		if res.HasMore != tc.more || (len(l.queries) == 2) != tc.probed {
			t.Errorf("%d stored, page %d: more %v after %d queries", tc.stored, tc.page, res.HasMore, len(l.queries))
		}
	}
}

func TestListRefusesBadFilters(t *testing.T) {
	long := string(make([]byte, 129))
	for _, tc := range []struct {
		name   string
		req    audit.ListRequest
		fields []string
	}{
		{"unknown range", audit.ListRequest{Range: "last_week"}, []string{"range"}},
		{"unknown type", audit.ListRequest{Type: "login"}, []string{"type"}},
		{"unknown result", audit.ListRequest{Result: "ok"}, []string{"result"}},
		{"bad tz", audit.ListRequest{TZ: "Mars/Olympus"}, []string{"tz"}},
		{"Local tz", audit.ListRequest{TZ: "Local"}, []string{"tz"}},
		{"custom without bounds", audit.ListRequest{Range: "custom"}, []string{"from", "to"}},
		{"custom not RFC 3339", audit.ListRequest{Range: "custom", From: "2026-01-01", To: "yesterday"}, []string{"from", "to"}},
		{"custom reversed", audit.ListRequest{Range: "custom", From: "2026-02-01T00:00:00Z", To: "2026-01-01T00:00:00Z"}, []string{"to"}},
		{"custom empty", audit.ListRequest{Range: "custom", From: "2026-02-01T00:00:00Z", To: "2026-02-01T00:00:00Z"}, []string{"to"}},
		{"custom too long", audit.ListRequest{Range: "custom", From: "2025-01-01T00:00:00Z", To: "2026-01-03T00:00:00Z"}, []string{"to"}},
		{"from without custom", audit.ListRequest{Range: "today", From: "2026-02-01T00:00:00Z"}, []string{"range"}},
		{"long search", audit.ListRequest{Search: long}, []string{"search"}},
		{"control characters in search", audit.ListRequest{Search: "a\nb"}, []string{"search"}},
		{"bad ids", audit.ListRequest{ApplicationID: "a b", AuthSourceID: long}, []string{"application_id", "auth_source_id"}},
		{"page size", audit.ListRequest{Page: domain.Page{Size: 101}}, []string{"page_size"}},
		{"page too deep", audit.ListRequest{Page: domain.Page{Number: 101, Size: 100}}, []string{"page"}},
		{"several at once", audit.ListRequest{Type: "x", Result: "y", Range: "z"}, []string{"type", "result", "range"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &log{}
			s := &audit.Service{Log: l, Pools: pools{}, Clock: clock{}}
			tc.req.PoolID = "p1"
			_, err := s.List(context.Background(), tc.req)
			e, ok := domain.AsError(err)
			if !ok || e.Kind != domain.KindInvalid || e.Code != domain.CodeInvalidRequest {
				t.Fatalf("got %v, want invalid_request", err)
			}
			var fields []string
			for _, d := range e.Details {
				fields = append(fields, d.Field)
			}
			for _, f := range tc.fields {
				if !slices.Contains(fields, f) {
					t.Errorf("no detail for %s in %v", f, e.Details)
				}
			}
		})
	}
}

func TestListOfUnknownPoolIsNotFound(t *testing.T) {
	s := &audit.Service{Log: &log{}, Pools: pools{}, Clock: clock{}}
	if _, err := s.List(context.Background(), audit.ListRequest{PoolID: "p2"}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("got %v", err)
	}
}

type ids struct{}

func (ids) NewID() string { return "event-1" }

func TestRecorderFillsRequestInfoAndRedacts(t *testing.T) {
	l := &log{}
	r := audit.Recorder{Log: l, Clock: clock{}, IDs: ids{}}
	ctx := domain.WithRequestInfo(context.Background(), domain.RequestInfo{Actor: "admin", IP: "192.0.2.9", UserAgent: "curl/8"})
	type app struct {
		Name   string `json:"name"`
		Secret string `json:"client_secret"`
	}
	err := r.AdminChange(ctx, "p1", "application.update", "application", "a1", "Edited", app{"A", "old"}, app{"B", "new"})
	if err != nil {
		t.Fatal(err)
	}
	e := l.saved[0]
	if e.ID != "event-1" || !e.Time.Equal(now) || e.Actor != "admin" || e.IP != "192.0.2.9" || e.UserAgent != "curl/8" ||
		e.Type != domain.AuditAdminChange || e.Result != domain.AuditSuccess || e.Action != "application.update" {
		t.Fatalf("event %+v", e)
	}
	if e.Before["client_secret"] != domain.Redacted || e.After["client_secret"] != domain.Redacted || e.After["name"] != "B" {
		t.Fatalf("snapshots %v %v", e.Before, e.After)
	}
	// A sign-in event keeps the actor it names (the user) and is checked like any other.
	if err := r.Record(ctx, domain.AuditEvent{PoolID: "p1", Type: domain.AuditLogin, Result: domain.AuditFailure, Actor: "u1", UserID: "u1"}); err != nil {
		t.Fatal(err)
	}
	if l.saved[1].Actor != "u1" {
		t.Fatalf("actor %q", l.saved[1].Actor)
	}
	if err := r.Record(ctx, domain.AuditEvent{PoolID: "p1", Type: "BOGUS", Result: domain.AuditSuccess}); err == nil || len(l.saved) != 2 {
		t.Fatal("an unknown type was stored")
	}
}

type batchLog struct {
	log
	batches [][]domain.AuditEvent
}

func (l *batchLog) RecordBatch(_ context.Context, events []domain.AuditEvent) error {
	l.batches = append(l.batches, slices.Clone(events))
	return nil
}

// TestRecordAllBatchesCompletedEvents: events recorded together go to a log that can take them
// in one statement as one batch, each completed as Record completes one; other logs get them
// one by one.
func TestRecordAllBatchesCompletedEvents(t *testing.T) {
	events := func() []domain.AuditEvent {
		return []domain.AuditEvent{
			{PoolID: "p1", Type: domain.AuditRefresh, Result: domain.AuditSuccess, IP: "192.0.2.1"},
			{PoolID: "p1", Type: domain.AuditRefresh, Result: domain.AuditSuccess, Details: strings.Repeat("x", domain.MaxAuditDetails+10)},
		}
	}
	bl := &batchLog{}
	if err := (audit.Recorder{Log: bl, Clock: clock{}, IDs: ids{}}).RecordAll(context.Background(), events()); err != nil {
		t.Fatal(err)
	}
	if len(bl.batches) != 1 || len(bl.batches[0]) != 2 || len(bl.saved) != 0 {
		t.Fatalf("batches %d, single records %d", len(bl.batches), len(bl.saved))
	}
	for _, e := range bl.batches[0] {
		if e.ID == "" || !e.Time.Equal(now) || len(e.Details) > domain.MaxAuditDetails {
			t.Errorf("event not completed: %+v", e)
		}
	}
	l := &log{}
	if err := (audit.Recorder{Log: l, Clock: clock{}, IDs: ids{}}).RecordAll(context.Background(), events()); err != nil {
		t.Fatal(err)
	}
	if len(l.saved) != 2 || l.saved[0].IP != "192.0.2.1" || l.saved[1].ID == "" {
		t.Fatalf("recorded one by one: %+v", l.saved)
	}
}
